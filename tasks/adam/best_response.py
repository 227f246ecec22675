"""Best overall response (BOR) and confirmed best overall response (CBOR): the categories as data
(BOR_RULES, CBOR_RULES) and one evaluator, best_of().

As admiralonco: each category is an event() object (R/response_sources.R: bor_cr, cbor_pr, ...)
and derive_extreme_event(mode = "first", order = exprs(event_nr, ADT)) picks, per subject, the
first category of the list that any assessment meets, dated by the first such assessment
(inst/templates/ad_adrs.R). Input everywhere: the analysis assessments (ADRS OVR records with
ANL01FL = "Y": one per date, on or after the reference date, up to the first PD) with USUBJID,
ADT, AVALC and REFDT (the reference date). Rules: docs/efficacy.md.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.adam.response_terms import CR, MISSING, NE, NON_CR_NON_PD, PD, PR, RESPONSES, SD
from tasks.config import Response

SOURCE_COLUMNS = ["ADT", "ADTF", "RSSEQ", "VISITNUM", "VISIT", "RSDTC"]

# A condition on a frame (the assessments, or the subjects without any) and cfg.response: True
# on the rows it holds for (a plain bool holds for every row).
Condition = Callable[[pd.DataFrame, Response], "pd.Series | bool"]


@dataclass(frozen=True)
class Category:
    """A best-response category: the AVALC it sets, the rule in words ({field}s of
    tasks.adam.descriptions.rule_values filled in from the config) and the condition an
    assessment must meet: on the assessment frame (AVALC, ADT, DAYS = ADT - REFDT in days), or,
    with of_subjects, on a subject without any assessment (admiralonco's no_data_missing)."""
    avalc: str
    description: str
    when: Condition
    of_subjects: bool = False


def confirmed(ovr: pd.DataFrame, rc: Response, response: str) -> pd.Series:
    """True on each `response` (CR or PR) assessment that is confirmed (docs/efficacy.md, CBOR;
    admiralonco's event_joined() cbor_cr / cbor_pr):

    the confirming assessment j is the first later CR (for a CR) or CR/PR (for a PR) at least
    `confirmation_min_days` after it. Every assessment after it up to and including j must be
    CR or NE (for a CR) or CR, PR or NE (for a PR; plus at most one SD when
    `accept_sd_between`), with at most `max_ne_between` NE, and for a PR no PR after a CR.
    Done without loops: j is found by an as-of merge; the assessments in between are counted
    from per-subject cumulative counts at both ends."""
    o = ovr[["USUBJID", "ADT", "AVALC"]].sort_values(["USUBJID", "ADT"], kind="stable")
    original_index = o.index
    o = o.reset_index(drop=True)
    o["ROW"] = np.arange(len(o))
    result = pd.Series(False, index=o.index)
    cand = o[o["AVALC"].eq(response)].copy()
    if cand.empty:
        return pd.Series(False, index=ovr.index)
    cum = {term: o["AVALC"].eq(term).groupby(o["USUBJID"], sort=False).cumsum().to_numpy()
           for term in RESPONSES}
    confirmers = (CR,) if response == CR else (CR, PR)
    cand["NEEDED"] = cand["ADT"] + pd.Timedelta(days=rc.confirmation_min_days)
    later = (o.loc[o["AVALC"].isin(confirmers), ["USUBJID", "ADT", "ROW"]]
             .rename(columns={"ADT": "CONFDT", "ROW": "CONFROW"}).sort_values("CONFDT"))
    matched = pd.merge_asof(cand.reset_index().sort_values("NEEDED"), later,
                            left_on="NEEDED", right_on="CONFDT", by="USUBJID",
                            direction="forward").set_index("index")
    matched = matched[matched["CONFROW"].notna()]
    i = matched["ROW"].to_numpy()
    j = matched["CONFROW"].to_numpy().astype(int)
    between = {term: cum[term][j] - cum[term][i] for term in RESPONSES}
    span = j - i
    ok = between[NE] <= rc.max_ne_between
    if response == CR:
        ok &= between[CR] + between[NE] == span
    else:
        sd_allowed = 1 if rc.accept_sd_between else 0
        ok &= between[SD] <= sd_allowed
        ok &= between[CR] + between[PR] + between[NE] + between[SD] == span
        # Row of the first CR strictly after each assessment (same subject): "no PR after a CR".
        cr_row = o["ROW"].where(o["AVALC"].eq(CR))
        next_cr = cr_row.groupby(o["USUBJID"], sort=False).shift(-1)
        first_cr = next_cr.groupby(o["USUBJID"], sort=False).bfill().loc[matched.index].to_numpy()
        cr_inside = ~np.isnan(first_cr) & (first_cr <= j)
        fc = np.where(cr_inside, first_cr, 0).astype(int)
        ok &= ~(cr_inside & (cum[PR][j] - cum[PR][fc] > 0))
    result.loc[matched.index[ok]] = True
    result.index = original_index
    return result.reindex(ovr.index)


def late_enough(o: pd.DataFrame, rc: Response) -> pd.Series:
    return o["DAYS"] >= rc.sd_min_days


BOR_CR = Category(CR, "CR at any time", lambda o, rc: o["AVALC"].eq(CR))
BOR_PR = Category(PR, "PR at any time", lambda o, rc: o["AVALC"].eq(PR))
BOR_SD = Category(SD, "SD at least {sd_min_days} days after the reference date ({reference_date})",
                  lambda o, rc: o["AVALC"].eq(SD) & late_enough(o, rc))
NON_CR_PD = Category(
    NON_CR_NON_PD, "NON-CR/NON-PD at least {sd_min_days} days after the reference date",
    lambda o, rc: o["AVALC"].eq(NON_CR_NON_PD) & late_enough(o, rc))
BOR_PD = Category(PD, "PD", lambda o, rc: o["AVALC"].eq(PD))
BOR_NE = Category(NE, "any other assessment (NE, or SD or NON-CR/NON-PD earlier than "
                  "{sd_min_days} days after the reference date)",
                  lambda o, rc: o["AVALC"].isin(RESPONSES))
NO_DATA_NE = Category(NE, "no assessment at all, when response.missing_as_ne is on (here: "
                      "{missing_as_ne})", lambda s, rc: rc.missing_as_ne, of_subjects=True)
NO_DATA_MISSING = Category(MISSING, "no assessment at all", lambda s, rc: True, of_subjects=True)

BOR_RULES = (BOR_CR, BOR_PR, BOR_SD, NON_CR_PD, BOR_PD, BOR_NE, NO_DATA_NE, NO_DATA_MISSING)
CBOR_RULES = (
    Category(CR, "CR confirmed by a CR at least {confirmation_min_days} days later, with only CR "
             "or NE in between and at most {max_ne_between} NE",
             lambda o, rc: confirmed(o, rc, CR)),
    Category(PR, "PR confirmed by a CR or PR at least {confirmation_min_days} days later, with "
             "only CR, PR or NE in between (one SD too when response.accept_sd_between is on; "
             "here: {accept_sd_between}), at most {max_ne_between} NE and no PR after a CR",
             lambda o, rc: confirmed(o, rc, PR)),
    Category(SD, "SD, or a CR or PR not confirmed, at least {sd_min_days} days after the "
             "reference date ({reference_date})",
             lambda o, rc: o["AVALC"].isin([CR, PR, SD]) & late_enough(o, rc)),
    NON_CR_PD, BOR_PD, BOR_NE, NO_DATA_NE, NO_DATA_MISSING)


def _holds(rule: Category, frame: pd.DataFrame, rc: Response) -> np.ndarray:
    return np.broadcast_to(np.asarray(rule.when(frame, rc), dtype=bool), len(frame))


def best_of(ovr: pd.DataFrame, subjects: pd.DataFrame, rules: tuple[Category, ...],
            rc: Response) -> pd.DataFrame:
    """Per subject of `subjects`: AVALC of the first rule that any of its assessments meets, with
    the source columns of the first such assessment by date; a subject without assessments
    gets the first `of_subjects` rule that holds for it."""
    on_ovr = [r for r in rules if not r.of_subjects]
    frame = ovr.assign(DAYS=(ovr["ADT"] - ovr["REFDT"]).dt.days)
    number = np.select([_holds(r, frame, rc) for r in on_ovr], np.arange(len(on_ovr)), -1)
    met = frame.assign(RULE=number)[number >= 0]
    best = met.sort_values(["USUBJID", "RULE", "ADT"], kind="stable").drop_duplicates("USUBJID")
    best["AVALC"] = [on_ovr[i].avalc for i in best["RULE"]]
    out = best.set_index("USUBJID")[["AVALC", *SOURCE_COLUMNS]].reindex(subjects["USUBJID"])
    without = subjects[~subjects["USUBJID"].isin(best.index)]
    for_subjects = [r for r in rules if r.of_subjects]
    fallback = np.select([_holds(r, without, rc) for r in for_subjects],
                         [r.avalc for r in for_subjects], "")
    out["AVALC"] = out["AVALC"].fillna(pd.Series(fallback, index=without["USUBJID"].to_numpy()))
    return out.reset_index()


def first_confirmed_response(ovr: pd.DataFrame, rc: Response) -> pd.DataFrame:
    """Per confirmed responder: the first CR / PR assessment that is confirmed (start of DOR)."""
    responders = ovr[confirmed(ovr, rc, CR) | confirmed(ovr, rc, PR)]
    return (responders.sort_values(["USUBJID", "ADT"]).drop_duplicates("USUBJID")
            [["USUBJID", "AVALC", *SOURCE_COLUMNS]].reset_index(drop=True))
