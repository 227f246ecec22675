"""Publishing report versions: numbered folders published in one rename, their contents, the
manifest and its verification, record snapshots, and the previous cut to compare with."""
