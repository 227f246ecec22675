"""Publishing report versions: numbered folders published in one rename, the manifest, verify,
and the changes since the previous cut."""
from tasks.publish.canonical import canonical_json, write_json
from tasks.publish.changes import (changes_results, changes_section, compare_cuts,
                                   compare_snapshots, record_snapshot, write_snapshot)
from tasks.publish.manifest import code_version, provenance
from tasks.publish.verify import verify_version
from tasks.publish.versions import (Reservation, check_final_rules, latest_version,
                                    previous_cut_version, reserve_version)

__all__ = ["Reservation", "canonical_json", "changes_results", "changes_section", "check_final_rules",
           "code_version", "compare_cuts", "compare_snapshots", "latest_version",
           "previous_cut_version", "provenance", "record_snapshot", "reserve_version",
           "verify_version", "write_json", "write_snapshot"]
