"""Changes since the previous cut: which SDTM records are new, changed or removed (from the two
record snapshots), and what is new for the DSMB (subjects, deaths, SAEs, responses,
progressions) against the previous cut's ADaM. Pure: the previous cut arrives as a PreviousCut.

Both cuts are compared after their cutoff was applied, so a record the cutoff set aside is not
"removed" (record keys: tasks.publish.snapshot).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tasks.adam.response_terms import PD as PROGRESSION
from tasks.adam.response_terms import RESPONDER as RESPONSES
from tasks.model import Adam, PreviousCut
from tasks.publish.snapshot import RECORD_KEY, SNAPSHOT_COLUMNS
from tasks.results.changes import FIRST_CUT, ChangesResults

CHANGE_KINDS = ("NEW", "CHANGED", "REMOVED")


def compare_snapshots(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """domain, USUBJID, key, change (NEW / CHANGED / REMOVED) for every record that differs."""
    merged = current[SNAPSHOT_COLUMNS].merge(previous[SNAPSHOT_COLUMNS], on=RECORD_KEY,
                                             how="outer", suffixes=("", "_previous"),
                                             indicator=True)
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
    first = pd_now[~pd_now["USUBJID"].isin(had_pd)].groupby("USUBJID")["ADT"].min().reset_index()
    return (_arm(first, adsl)[["USUBJID", "TRT01A", "ADT"]]
            .sort_values(["ADT", "USUBJID"]).reset_index(drop=True))


@dataclass
class CutChanges:
    """What changed since the previous cut (its published version `previous`, e.g.
    2026-01-31/v2)."""
    previous: str
    new_subjects: pd.DataFrame
    new_deaths: pd.DataFrame
    new_saes: pd.DataFrame
    new_responses: pd.DataFrame
    new_progressions: pd.DataFrame
    records: pd.DataFrame | None            # compare_snapshots(); None: no previous snapshot
    by_domain: pd.DataFrame | None          # changes_by_domain(records)
    notes: list[str] = field(default_factory=list)   # what could not be compared, and why


def compare_cuts(snapshot: pd.DataFrame, adam: Adam, previous: PreviousCut) -> CutChanges:
    """This cut (its record snapshot and ADaM) against the previous cut."""
    adsl, adrs, adae = adam.adsl, adam.adrs, adam.adae
    notes = list(previous.notes)
    p_adae = previous.adae
    if p_adae is not None and not {"AESER"} <= set(adae.columns) & set(p_adae.columns):
        notes.append("ADAE has no AESER: new serious adverse events cannot be listed.")
        p_adae = None
    records = None if previous.records is None else compare_snapshots(snapshot, previous.records)
    empty = pd.DataFrame()
    p_adsl, p_adrs = previous.adsl, previous.adrs
    return CutChanges(
        previous=previous.version,
        new_subjects=new_subjects(adsl, p_adsl) if p_adsl is not None else empty,
        new_deaths=new_deaths(adsl, p_adsl) if p_adsl is not None else empty,
        new_saes=new_saes(adae, p_adae, adsl) if p_adae is not None else empty,
        new_responses=new_responses(adrs, p_adrs, adsl) if p_adrs is not None else empty,
        new_progressions=new_progressions(adrs, p_adrs, adsl) if p_adrs is not None else empty,
        records=records,
        by_domain=None if records is None else changes_by_domain(records),
        notes=notes,
    )


def changes_results(changes: CutChanges | None) -> ChangesResults:
    """Counts for results.json ("changes"); None counts where nothing could be compared."""
    if changes is None:
        return FIRST_CUT

    def n(frame: pd.DataFrame) -> int | None:
        return len(frame) if len(frame.columns) else None

    records = None if changes.by_domain is None else \
        {kind: int(changes.by_domain[kind].sum()) for kind in CHANGE_KINDS}
    return ChangesResults(previous=changes.previous, new_subjects=n(changes.new_subjects),
                          new_deaths=n(changes.new_deaths), new_saes=n(changes.new_saes),
                          new_responses=n(changes.new_responses),
                          new_progressions=n(changes.new_progressions), records=records)
