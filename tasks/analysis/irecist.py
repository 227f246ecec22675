"""iRECIST, exploratory (docs/efficacy.md, iRECIST): its results (IBOR / ICBOR counts, ORR,
DCR) and table 14.2.10, beside RECIST 1.1 and never replacing it."""
from __future__ import annotations

import pandas as pd

from tasks.adam.response_terms import (
    CR,
    ICPD,
    ICR,
    IPR,
    IRECIST,
    ISD,
    IUPD,
    MISSING,
    NE,
    NON_CR_NON_PD,
    NON_ICR_NON_IUPD,
    PD,
    PR,
    SD,
)
from tasks.analysis.efficacy_data import BOR, CBOR, IBOR, ICBOR
from tasks.config import TrialConfig
from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.results.efficacy import EfficacyResults, IrecistResults
from tasks.stats.binomial import Proportion, binomial_summary

INDENT = "    "
RECIST_COLUMN, IRECIST_COLUMN = "RECIST 1.1", "iRECIST"
# The rows of table 14.2.10: label, the RECIST 1.1 category, the iRECIST category ("" = none).
ROWS = (("Complete response (CR / iCR)", CR, ICR), ("Partial response (PR / iPR)", PR, IPR),
        ("Stable disease (SD / iSD)", SD, ISD),
        ("Non-CR/non-PD (NON-iCR/NON-iUPD)", NON_CR_NON_PD, NON_ICR_NON_IUPD),
        ("Progressive disease, RECIST 1.1 (PD)", PD, ""),
        ("Unconfirmed progression (iUPD)", "", IUPD),
        ("Confirmed progression (iCPD)", "", ICPD),
        ("Not evaluable (NE)", NE, NE), ("Missing (no assessment)", MISSING, MISSING))


def irecist_results(responses: pd.DataFrame, cfg: TrialConfig) -> IrecistResults | None:
    """iRECIST results of one group of subjects (rates over the subjects settled at the cut, as
    RECIST 1.1's; counts over all); None when ADRS has no IBOR."""
    if IBOR not in responses.columns:
        return None
    conf = cfg.response.rate_conf_level
    settled = responses[responses["SETTLEDFL"]]     # the primary rates' denominator

    def rate(paramcd: str, categories: tuple[str, ...]) -> Proportion:
        return binomial_summary(int(settled[paramcd].isin(categories).sum()), len(settled), conf)

    def counts(paramcd: str) -> dict[str, int]:
        return {c: int(responses[paramcd].eq(c).sum()) for c in IRECIST.order}

    return IrecistResults(orr=rate(ICBOR, IRECIST.responder),
                          dcr=rate(ICBOR, IRECIST.disease_control),
                          orr_unconfirmed=rate(IBOR, IRECIST.responder),
                          ibor_counts=counts(IBOR), icbor_counts=counts(ICBOR))


def irecist_table(columns: list[tuple[str, EfficacyResults]], cfg: TrialConfig) -> Table:
    """Table 14.2.10: best overall response (confirmed, then not) and the rates by RECIST 1.1
    and by iRECIST side by side, per column."""
    conf = f"{fmt.number(100 * cfg.response.rate_conf_level, 0)}%"
    readings = [(label, criteria) for label, _ in columns
                for criteria in (RECIST_COLUMN, IRECIST_COLUMN)]
    blank = [""] * len(readings)
    display: list[list[str]] = []
    data: list[dict] = []
    for title, recist_key, irecist_key, statistic in (
            ("Confirmed best overall response", "cbor_counts", "icbor_counts", "CBOR / ICBOR"),
            ("Best overall response (confirmation not required)", "bor_counts", "ibor_counts",
             "BOR / IBOR")):
        display.append([title] + blank)
        for label, recist, irecist in ROWS:
            cells = [(getattr(r, recist_key).get(recist) if recist else None,
                      getattr(r.irecist, irecist_key).get(irecist) if irecist else None)
                     for _, r in columns]
            n = [r.pending.evaluable for _, r in columns]
            flat = [(k, total) for (a, b), total in zip(cells, n) for k in (a, b)]
            display.append([INDENT + label] + ["-" if k is None else fmt.n_pct(k, total)
                                               for k, total in flat])
            data += [{"statistic": statistic, "category": label, "column": col,
                      "criteria": criteria, "n": k, "N": total}
                     for (col, criteria), (k, total) in zip(readings, flat)]
    for label, recist, irecist in (
            ("Objective response rate (confirmed)", "orr", "orr"),
            ("Disease control rate (confirmed)", "dcr", "dcr"),
            ("Objective response rate, unconfirmed", "orr_unconfirmed", "orr_unconfirmed")):
        rates = [p for _, r in columns for p in (getattr(r, recist), getattr(r.irecist, irecist))]
        display += [[label] + blank,
                    [f"{INDENT}n / settled (%)"]
                    + [fmt.ratio_pct(p.responders, p.n) for p in rates],
                    [f"{INDENT}Rate, % ({conf} CI)"]
                    + [fmt.rate_ci(p.rate, p.ci_low, p.ci_high) for p in rates]]
        data += [{"statistic": label, "column": col, "criteria": criteria, "n": p.responders,
                  "N": p.n, "rate": p.rate, "ci_low": p.ci_low, "ci_high": p.ci_high}
                 for (col, criteria), p in zip(readings, rates)]
    ic = cfg.response.irecist
    window = (f"{ic.confirm_min_days} to {ic.confirm_max_days}" if ic.confirm_max_days
              else f"at least {ic.confirm_min_days}")
    headers = [""] + [f"{criteria}\n(N={r.pending.evaluable})" for _, r in columns
                      for criteria in (RECIST_COLUMN, IRECIST_COLUMN)]
    return Table(
        id="t_14_2_10_irecist", number="14.2.10",
        title="iRECIST (exploratory) beside RECIST 1.1: best overall response and response rates",
        population="Response-evaluable set", data=pd.DataFrame(data),
        display=pd.DataFrame(display, columns=headers),
        header_groups=[("", 1)] + [(label, 2) for label, _ in columns], landscape=len(columns) > 1,
        source=f"ADSL, ADRS ({BOR}, {CBOR}, {IBOR}, {ICBOR})",
        footnotes=[f"iRECIST (Seymour et al. 2017) from RS records with RSCAT {ic.category}: an "
                   f"iUPD is confirmed as iCPD by an iCPD {window} days after the last iUPD of "
                   "its run (iUPD and NE only in between); an iSD, iPR, iCR or NON-iCR/NON-iUPD "
                   "after an iUPD resets it; an unconfirmed iUPD stays iUPD. iCR and iPR are "
                   "confirmed as CR and PR are by RECIST 1.1.",
                   "Rates over the subjects whose RECIST 1.1 response is settled at the cut "
                   "(n / settled), as table 14.2.2. Exploratory: the primary analysis is RECIST "
                   "1.1 (tables 14.2.1 and 14.2.2)."])
