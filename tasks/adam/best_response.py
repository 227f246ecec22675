"""Best overall response (BOR) and confirmed best overall response (CBOR), as group operations.

Input everywhere: the analysis assessments (ADRS OVR records with ANL01FL = "Y": one per date,
on or after the reference date, up to the first PD) with USUBJID, ADT, AVALC and REFDT (the
reference date). Rules: docs/efficacy.md; defaults as admiralonco (derive_param_bor,
derive_param_confirmed_bor and its event_joined confirmation), so results can be compared.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.response_terms import (AVAL_CODE, CR, MISSING, NE, NON_CR_NON_PD, PD, PR,
                                       RESPONSES, SD)
from tasks.config import Response

SOURCE_COLUMNS = ["ADT", "ADTF", "RSSEQ", "VISITNUM", "VISIT", "RSDTC"]


def _days_from_reference(ovr: pd.DataFrame) -> pd.Series:
    return (ovr["ADT"] - ovr["REFDT"]).dt.days


def flag_confirmed(ovr: pd.DataFrame, rc: Response) -> pd.Series:
    """True on each CR / PR assessment that is confirmed (docs/efficacy.md, CBOR):

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
    cum = {term: o["AVALC"].eq(term).groupby(o["USUBJID"], sort=False).cumsum().to_numpy()
           for term in RESPONSES}
    # Row of the first CR strictly after each assessment (same subject), for "no PR after a CR".
    cr_row = o["ROW"].where(o["AVALC"].eq(CR))
    next_cr = cr_row.groupby(o["USUBJID"], sort=False).shift(-1)
    o["NEXTCR"] = next_cr.groupby(o["USUBJID"], sort=False).bfill()

    confirmed = pd.Series(False, index=o.index)
    for response, confirmers in ((CR, (CR,)), (PR, (CR, PR))):
        cand = o[o["AVALC"].eq(response)].copy()
        if cand.empty:
            continue
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
            first_cr = matched["NEXTCR"].to_numpy()
            cr_inside = ~np.isnan(first_cr) & (first_cr <= j)
            fc = np.where(cr_inside, first_cr, 0).astype(int)
            pr_after_cr = cr_inside & (cum[PR][j] - cum[PR][fc] > 0)
            ok &= ~pr_after_cr
        confirmed.loc[matched.index[ok]] = True
    confirmed.index = original_index
    return confirmed.reindex(ovr.index)


def _categorise(ovr: pd.DataFrame, rc: Response, confirmed: pd.Series | None) -> pd.Series:
    """Each assessment's contribution to BOR (confirmed is None) or CBOR."""
    avalc = ovr["AVALC"]
    late_enough = _days_from_reference(ovr) >= rc.sd_min_days
    if confirmed is None:
        choices = [avalc.eq(CR), avalc.eq(PR),
                   avalc.eq(SD) & late_enough, avalc.eq(NON_CR_NON_PD) & late_enough,
                   avalc.eq(PD)]
        labels = [CR, PR, SD, NON_CR_NON_PD, PD]
    else:
        choices = [avalc.eq(CR) & confirmed, avalc.eq(PR) & confirmed,
                   avalc.isin([CR, PR, SD]) & late_enough,
                   avalc.eq(NON_CR_NON_PD) & late_enough, avalc.eq(PD)]
        labels = [CR, PR, SD, NON_CR_NON_PD, PD]
    return pd.Series(np.select(choices, labels, NE), index=ovr.index)


def _best(ovr: pd.DataFrame, subjects: pd.DataFrame, category: pd.Series,
          rc: Response) -> pd.DataFrame:
    """Per subject of `subjects`: the best category, dated by its first assessment; subjects
    without any assessment MISSING (NE when `missing_as_ne`)."""
    ranked = ovr.assign(AVALC=category, RANK=category.map(AVAL_CODE))
    best = (ranked.sort_values(["USUBJID", "RANK", "ADT"], kind="stable")
            .drop_duplicates("USUBJID")
            .set_index("USUBJID")[["AVALC", *SOURCE_COLUMNS]])
    out = best.reindex(subjects["USUBJID"])
    out["AVALC"] = out["AVALC"].fillna(NE if rc.missing_as_ne else MISSING)
    return out.reset_index()


def best_overall_response(ovr: pd.DataFrame, subjects: pd.DataFrame, rc: Response) -> pd.DataFrame:
    """BOR: CR and PR at any time; SD and NON-CR/NON-PD only `sd_min_days` or more after the
    reference date (else NE); first date of the best category."""
    return _best(ovr, subjects, _categorise(ovr, rc, None), rc)


def confirmed_best_overall_response(ovr: pd.DataFrame, subjects: pd.DataFrame,
                                    rc: Response) -> pd.DataFrame:
    """CBOR: confirmed CR / PR; an unconfirmed CR or PR, or an SD, counts as SD (NON-CR/NON-PD
    as itself) when `sd_min_days` or more after the reference date, else NE."""
    return _best(ovr, subjects, _categorise(ovr, rc, flag_confirmed(ovr, rc)), rc)


def first_confirmed_response(ovr: pd.DataFrame, rc: Response) -> pd.DataFrame:
    """Per confirmed responder: the first CR / PR assessment that is confirmed (start of DOR)."""
    confirmed = ovr[flag_confirmed(ovr, rc)]
    return (confirmed.sort_values(["USUBJID", "ADT"]).drop_duplicates("USUBJID")
            [["USUBJID", "AVALC", *SOURCE_COLUMNS]].reset_index(drop=True))
