"""Changes since the previous cut: record snapshots of a cut, their comparison, and what is new
for the DSMB (subjects, deaths, SAEs, responses, progressions) against the previous version.

Both cuts are compared after their cutoff was applied, so a record the cutoff set aside is not
"removed". A record is matched across cuts by (domain, USUBJID, key). The key is the domain's
natural key: `--SEQ` where the domain has it on every record; for DM the subject alone; for
SUPP-- domains RDOMAIN, IDVAR, IDVARVAL, QNAM; otherwise the identifying variables of SDTMIG
that the domain holds (IDENTIFYING_VARIABLES: category, topic, link/group ids, evaluator,
sponsor id, visit, epoch, time point, date). Without --SEQ, a corrected identifying variable
makes a record REMOVED plus NEW rather than CHANGED. A key that repeats within a subject is
numbered "#2", "#3" in file order so that no record is merged away. The content hash is the
sha256 of "NAME=value" for every non-empty variable in sorted name order, so a variable added
empty changes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.model import Adam, Block, Cut
from tasks.publish.changes_tables import changes_blocks, first_cut_blocks

SNAPSHOT_PATH = Path("provenance") / "records.parquet"
SNAPSHOT_COLUMNS = ["domain", "USUBJID", "key", "sha256"]
RECORD_KEY = ["domain", "USUBJID", "key"]
CHANGE_KINDS = ("NEW", "CHANGED", "REMOVED")
RESPONSES = ("CR", "PR")          # confirmed responses (CBOR) count as a response
PROGRESSION = "PD"
# SDTMIG identifying variables, "--" standing for the domain prefix; in each group the first
# variable the domain holds is used.
IDENTIFYING_VARIABLES = (
    ("--CAT",), ("--SCAT",), ("--TESTCD", "--TRT", "--DECOD", "--TERM"), ("--LNKID",),
    ("--GRPID",), ("--EVAL",), ("--SPID",), ("VISITNUM", "VISIT"), ("EPOCH",), ("--TPTNUM",),
    ("--STDTC", "--DTC"),
)
SUPP_KEY = ("RDOMAIN", "IDVAR", "IDVARVAL", "QNAM")
_FIELD_END = "\x1e"


def key_variables(domain: str, frame: pd.DataFrame) -> list[str]:
    """The variables whose values make the record key of `domain` (see the module docstring)."""
    code = domain.upper()
    if code == "DM":
        return []
    if code.startswith("SUPP"):
        return [v for v in SUPP_KEY if v in frame.columns]
    seq = f"{code}SEQ"
    if seq in frame.columns and frame[seq].astype(str).ne("").all():
        return [seq]
    chosen = []
    for group in IDENTIFYING_VARIABLES:
        names = [v.replace("--", code) for v in group]
        chosen += next(([n] for n in names if n in frame.columns), [])
    return chosen


_HASH_CHUNK_ROWS = 100_000


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna("").astype(str)


def _record_keys(domain: str, frame: pd.DataFrame, usubjid: pd.Series) -> pd.Series:
    key = pd.Series("", index=frame.index, dtype=object)
    for i, var in enumerate(key_variables(domain, frame)):
        key = key + ("|" if i else "") + var + "=" + _text(frame, var)
    repeat = pd.DataFrame({"u": usubjid, "k": key}).groupby(["u", "k"], sort=False).cumcount() + 1
    return key.where(repeat.eq(1), key + "#" + repeat.astype(str))


def _content_hashes(frame: pd.DataFrame) -> list[str]:
    """sha256 of each row's "NAME=value<RS>" pieces of non-empty values, names sorted (the text
    is assembled by Arrow kernels: a million records take a few seconds), in chunks of rows so
    that the assembled text of a large domain never sits in memory whole."""
    return [digest for start in range(0, len(frame), _HASH_CHUNK_ROWS)
            for digest in _chunk_hashes(frame.iloc[start:start + _HASH_CHUNK_ROWS])]


def _chunk_hashes(frame: pd.DataFrame) -> list[str]:
    text = pa.large_string()
    nothing, end, joined = pa.scalar(None, text), pa.scalar(_FIELD_END, text), pa.scalar("", text)
    pieces = []
    for column in sorted(frame.columns):
        values = pa.array(_text(frame, column).to_numpy(dtype=object), type=text)
        values = pc.if_else(pc.equal(values, ""), nothing, values)   # null: the piece is left out
        pieces.append(pc.binary_join_element_wise(pa.scalar(column + "=", text), values, end, joined))
    if not pieces:
        return [hashlib.sha256(b"").hexdigest()] * len(frame)
    content = pc.binary_join_element_wise(*pieces, joined, null_handling="skip")  # last: separator
    sha256 = hashlib.sha256
    return [sha256(row).hexdigest() for row in
            content.cast(pa.large_binary()).to_numpy(zero_copy_only=False)]


def record_snapshot(cut: Cut) -> pd.DataFrame:
    """One row per SDTM record of the cut: domain, USUBJID, key, sha256 of its content."""
    parts = []
    for domain in sorted(cut.domains):
        frame = cut.domains[domain]
        usubjid = _text(frame, "USUBJID") if "USUBJID" in frame.columns else \
            pd.Series("", index=frame.index, dtype=object)
        parts.append(pd.DataFrame({"domain": domain.upper(), "USUBJID": usubjid.to_numpy(),
                                   "key": _record_keys(domain, frame, usubjid).to_numpy(),
                                   "sha256": _content_hashes(frame)}, columns=SNAPSHOT_COLUMNS,
                                  dtype=object))
    if not parts:
        return pd.DataFrame(columns=SNAPSHOT_COLUMNS, dtype=object)
    return pd.concat(parts, ignore_index=True)


def write_snapshot(snapshot: pd.DataFrame, version_path: Path) -> Path:
    """Write the snapshot into a (staging) version folder as provenance/records.parquet."""
    path = Path(version_path) / SNAPSHOT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(name, pa.string()) for name in SNAPSHOT_COLUMNS])
    pq.write_table(pa.Table.from_pandas(snapshot[SNAPSHOT_COLUMNS], schema=schema,
                                        preserve_index=False), path)
    return path


def compare_snapshots(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """domain, USUBJID, key, change (NEW / CHANGED / REMOVED) for every record that differs."""
    merged = current[SNAPSHOT_COLUMNS].merge(previous[SNAPSHOT_COLUMNS], on=RECORD_KEY,
                                             how="outer", suffixes=("", "_previous"), indicator=True)
    change = np.select(
        [merged["_merge"].eq("left_only"), merged["_merge"].eq("right_only"),
         merged["sha256"].ne(merged["sha256_previous"])], ["NEW", "REMOVED", "CHANGED"], "")
    return (merged.assign(change=change).loc[change != "", [*RECORD_KEY, "change"]]
            .astype(object).sort_values(RECORD_KEY, kind="stable").reset_index(drop=True))


def changes_by_domain(records: pd.DataFrame) -> pd.DataFrame:
    """domain, NEW, CHANGED, REMOVED: counts of differing records per domain."""
    if records.empty:
        return pd.DataFrame({"domain": pd.Series(dtype=object),
                             **{kind: pd.Series(dtype=int) for kind in CHANGE_KINDS}})
    return (pd.crosstab(records["domain"], records["change"])
            .reindex(columns=list(CHANGE_KINDS), fill_value=0).astype(int)
            .rename_axis(index="domain", columns=None).reset_index())


# Subject-level news: pure functions of the current and previous ADaM.

def _arm(frame: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    arms = adsl.reindex(columns=["USUBJID", "TRT01A"]).drop_duplicates("USUBJID")
    return frame.merge(arms, on="USUBJID", how="left")


def new_subjects(adsl: pd.DataFrame, previous_adsl: pd.DataFrame) -> pd.DataFrame:
    """Subjects in ADSL now and not in the previous cut's ADSL."""
    new = adsl[~adsl["USUBJID"].isin(previous_adsl["USUBJID"])]
    return (new.reindex(columns=["USUBJID", "SITEID", "TRT01A", "RFICDT", "TRTSDT"])
            .sort_values("USUBJID").reset_index(drop=True))


def new_deaths(adsl: pd.DataFrame, previous_adsl: pd.DataFrame) -> pd.DataFrame:
    """Subjects dead now (DTHFL = Y) and not dead in the previous cut."""
    died_before = previous_adsl.loc[previous_adsl["DTHFL"].eq("Y"), "USUBJID"]
    new = adsl[adsl["DTHFL"].eq("Y") & ~adsl["USUBJID"].isin(died_before)]
    return (new.reindex(columns=["USUBJID", "TRT01A", "DTHDT", "DTHCAUS"])
            .sort_values(["DTHDT", "USUBJID"]).reset_index(drop=True))


def _ae_key(adae: pd.DataFrame) -> pd.Series:
    if "AESEQ" in adae.columns:
        return adae["USUBJID"].astype(str) + "|" + pd.to_numeric(adae["AESEQ"], errors="coerce") \
            .astype("Int64").astype(str)
    return adae["USUBJID"].astype(str) + "|" + adae["AEDECOD"].astype(str) + "|" + \
        adae["ASTDT"].astype(str)


def new_saes(adae: pd.DataFrame, previous_adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Serious AEs (AESER = Y) that were absent or not serious in the previous cut."""
    serious = adae[adae["AESER"].eq("Y")]
    before = previous_adae[previous_adae["AESER"].eq("Y")]
    new = serious[~_ae_key(serious).isin(_ae_key(before))]
    columns = ["USUBJID", "AESEQ", "AEDECOD", "AEBODSYS", "AETOXGR", "ASTDT"]
    return (_arm(new.reindex(columns=columns), adsl)[["USUBJID", "TRT01A", *columns[1:]]]
            .sort_values(["ASTDT", "USUBJID", "AESEQ"]).reset_index(drop=True))


def _param(adrs: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    return adrs.loc[adrs["PARAMCD"].eq(paramcd), ["USUBJID", "AVALC", "ADT"]]


def new_responses(adrs: pd.DataFrame, previous_adrs: pd.DataFrame,
                  adsl: pd.DataFrame) -> pd.DataFrame:
    """Subjects whose confirmed best response (CBOR) is CR or PR now and was not before."""
    now = _param(adrs, "CBOR")
    before = _param(previous_adrs, "CBOR").drop_duplicates("USUBJID") \
        .set_index("USUBJID")["AVALC"]
    responders = now[now["AVALC"].isin(RESPONSES)]
    new = responders[~responders["USUBJID"].map(before).isin(RESPONSES)]
    new = new.assign(PREVAVALC=new["USUBJID"].map(before))
    return (_arm(new, adsl)[["USUBJID", "TRT01A", "PREVAVALC", "AVALC", "ADT"]]
            .sort_values(["ADT", "USUBJID"]).reset_index(drop=True))


def new_progressions(adrs: pd.DataFrame, previous_adrs: pd.DataFrame,
                     adsl: pd.DataFrame) -> pd.DataFrame:
    """Subjects with a PD overall response (OVR) now and none in the previous cut; ADT is the
    date of their first PD."""
    pd_now = _param(adrs, "OVR")
    pd_now = pd_now[pd_now["AVALC"].eq(PROGRESSION)]
    pd_before = _param(previous_adrs, "OVR")
    had_pd = pd_before.loc[pd_before["AVALC"].eq(PROGRESSION), "USUBJID"]
    first = (pd_now[~pd_now["USUBJID"].isin(had_pd)].groupby("USUBJID", as_index=False)["ADT"]
             .min())
    return (_arm(first, adsl)[["USUBJID", "TRT01A", "ADT"]]
            .sort_values(["ADT", "USUBJID"]).reset_index(drop=True))


# Against a published previous version.

@dataclass
class CutChanges:
    """What changed since the previous cut (its published version `previous`, e.g. 2026-01-31/v2)."""
    previous: str
    new_subjects: pd.DataFrame
    new_deaths: pd.DataFrame
    new_saes: pd.DataFrame
    new_responses: pd.DataFrame
    new_progressions: pd.DataFrame
    records: pd.DataFrame | None            # compare_snapshots(); None: no previous snapshot
    by_domain: pd.DataFrame | None          # changes_by_domain(records)
    notes: list[str] = field(default_factory=list)   # what could not be compared, and why


def _read_previous(previous_dir: Path, relative: str, notes: list[str],
                   consequence: str) -> pd.DataFrame | None:
    path = previous_dir / relative
    if path.is_file():
        return pd.read_parquet(path)
    notes.append(f"The previous version has no {relative}: {consequence}.")
    return None


def compare_cuts(current_cut: Cut, current_adam: Adam, previous_dir: Path,
                 snapshot: pd.DataFrame | None = None) -> CutChanges:
    """Compare this cut with the published version `previous_dir` (its adam/*.parquet and
    provenance/records.parquet). Pass `snapshot` when already made (record_snapshot(current_cut))."""
    previous_dir = Path(previous_dir)
    notes: list[str] = []
    adsl, adrs, adae = current_adam.adsl, current_adam.adrs, current_adam.adae
    p_adsl = _read_previous(previous_dir, "adam/adsl.parquet", notes,
                            "new subjects and new deaths cannot be listed")
    p_adrs = _read_previous(previous_dir, "adam/adrs.parquet", notes,
                            "new responses and progressions cannot be listed")
    p_adae = _read_previous(previous_dir, "adam/adae.parquet", notes,
                            "new serious adverse events cannot be listed")
    p_records = _read_previous(previous_dir, SNAPSHOT_PATH.as_posix(), notes,
                               "changed and removed records cannot be listed")
    if p_adae is not None and not {"AESER"} <= set(adae.columns) & set(p_adae.columns):
        notes.append("ADAE has no AESER: new serious adverse events cannot be listed.")
        p_adae = None
    records = None if p_records is None else compare_snapshots(
        record_snapshot(current_cut) if snapshot is None else snapshot, p_records)
    empty = pd.DataFrame()
    return CutChanges(
        previous=f"{previous_dir.parent.name}/{previous_dir.name}",
        new_subjects=new_subjects(adsl, p_adsl) if p_adsl is not None else empty,
        new_deaths=new_deaths(adsl, p_adsl) if p_adsl is not None else empty,
        new_saes=new_saes(adae, p_adae, adsl) if p_adae is not None else empty,
        new_responses=new_responses(adrs, p_adrs, adsl) if p_adrs is not None else empty,
        new_progressions=new_progressions(adrs, p_adrs, adsl) if p_adrs is not None else empty,
        records=records,
        by_domain=None if records is None else changes_by_domain(records),
        notes=notes,
    )


def changes_results(changes: CutChanges | None) -> dict[str, Any]:
    """Counts for results.json ("changes"); None counts where nothing could be compared."""
    if changes is None:
        return {"previous": None, "new_subjects": None, "new_deaths": None, "new_saes": None,
                "new_responses": None, "new_progressions": None, "records": None}

    def n(frame: pd.DataFrame) -> int | None:
        return len(frame) if len(frame.columns) else None

    records = None if changes.by_domain is None else \
        {kind: int(changes.by_domain[kind].sum()) for kind in CHANGE_KINDS}
    return {"previous": changes.previous, "new_subjects": n(changes.new_subjects),
            "new_deaths": n(changes.new_deaths), "new_saes": n(changes.new_saes),
            "new_responses": n(changes.new_responses),
            "new_progressions": n(changes.new_progressions), "records": records}


def changes_section(current_cut: Cut, current_adam: Adam, previous_dir: Path | None,
                    snapshot: pd.DataFrame | None = None,
                    max_listing_rows: int | None = None) -> list[Block]:
    """The report section "Changes since the previous cut" (tables 16.4.x)."""
    if previous_dir is None:
        return first_cut_blocks()
    changes = compare_cuts(current_cut, current_adam, previous_dir, snapshot)
    return changes_blocks(changes, max_listing_rows)
