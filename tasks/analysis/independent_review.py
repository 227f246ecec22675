"""The independent review as a second analysis (docs/efficacy.md, Independent review): its
results (BOR/CBOR counts, ORR, DCR, PFS, concordance with the investigator) and tables
14.2.7-14.2.9, rendered from them."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from tasks.adam.response_terms import CLINICAL_BENEFIT, RESPONDER, RESPONSE_ORDER
from tasks.analysis.efficacy_data import BOR, BOR_REVIEW, CBOR, CBOR_REVIEW
from tasks.analysis.efficacy_tables import RESPONSE_LABELS
from tasks.config import TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt
from tasks.results.efficacy import Concordance, EfficacyResults, IndependentReview, Survival
from tasks.stats.agreement import cohen_kappa
from tasks.stats.binomial import binomial_summary

INDENT = "    "
INVESTIGATOR, REVIEWER = "Investigator", "Independent review"


def _counts(values: pd.Series) -> dict[str, int]:
    return {category: int(values.eq(category).sum()) for category in RESPONSE_ORDER}


def discordant_subjects(responses: pd.DataFrame, pfs: pd.DataFrame,
                        pfs_review: pd.DataFrame) -> pd.DataFrame:
    """Reviewed subjects whose BOR, CBOR or PFS (event or censored, time) differ between the
    investigator and the reviewer: USUBJID, TRT01A, BOR, BORIRC, CBOR, CBORIRC, PFS / PFSIRC
    (months) and their EVENT flags."""
    reviewed = responses[responses["REVIEWED"]]
    both = reviewed[["USUBJID", "TRT01A", BOR, BOR_REVIEW, CBOR, CBOR_REVIEW]]
    for frame, name in ((pfs, "PFS"), (pfs_review, "PFSIRC")):
        times = frame.set_index("USUBJID")
        both = both.assign(**{name: both["USUBJID"].map(times["AVAL"] / DAYS_PER_MONTH),
                              f"{name}EVENT": both["USUBJID"].map(times["EVENT"])})
    differ = ((both[BOR] != both[BOR_REVIEW]) | (both[CBOR] != both[CBOR_REVIEW])
              | (both["PFSEVENT"] != both["PFSIRCEVENT"]) | (both["PFS"] != both["PFSIRC"]))
    return both[differ].sort_values("USUBJID").reset_index(drop=True)


def concordance(responses: pd.DataFrame, discordant: int) -> Concordance:
    """Investigator BOR against the reviewer's, over the subjects the reviewer assessed."""
    reviewed = responses[responses["REVIEWED"]]
    agree = int((reviewed[BOR] == reviewed[BOR_REVIEW]).sum())
    cells = (reviewed.groupby([BOR, BOR_REVIEW]).size().unstack(fill_value=0)
             .reindex(index=RESPONSE_ORDER, columns=RESPONSE_ORDER, fill_value=0))
    return Concordance(n=len(reviewed), agree=agree,
                       rate=agree / len(reviewed) if len(reviewed) else None,
                       kappa=cohen_kappa(reviewed[BOR], reviewed[BOR_REVIEW]),
                       discordant=discordant,
                       # a count; pandas-stubs types a cell as any scalar
                       cells={a: {b: int(cells.loc[a, b])  # type: ignore[arg-type]
                                  for b in RESPONSE_ORDER}
                              for a in RESPONSE_ORDER})


def independent_review_results(responses: pd.DataFrame, pfs: pd.DataFrame,
                               pfs_review: pd.DataFrame | None, pfs_summary: Survival | None,
                               cfg: TrialConfig) -> IndependentReview | None:
    """The reviewer's results for one group of subjects (rates over the subjects settled at the
    cut, as the investigator's; counts over all); None when ADRS has no BORIRC."""
    if BOR_REVIEW not in responses.columns or pfs_review is None or pfs_summary is None:
        return None
    conf = cfg.response.rate_conf_level
    # The primary rates' denominator (the settled subjects), so that the two readings compare.
    settled = responses.loc[responses["SETTLEDFL"], CBOR_REVIEW]
    discordant = len(discordant_subjects(responses, pfs, pfs_review))
    return IndependentReview(
        evaluator=cfg.response.independent_evaluator or "",
        orr=binomial_summary(int(settled.isin(RESPONDER).sum()), len(settled), conf),
        dcr=binomial_summary(int(settled.isin(CLINICAL_BENEFIT).sum()), len(settled), conf),
        bor_counts=_counts(responses[BOR_REVIEW]), cbor_counts=_counts(responses[CBOR_REVIEW]),
        pfs=pfs_summary, concordance=concordance(responses, discordant))


def _review(results: EfficacyResults) -> IndependentReview:
    """The independent review of results that have one (the callers check that they do)."""
    if results.independent_review is None:
        raise ValueError(f"{results.arm}: the results have no independent review")
    return results.independent_review


def _pair_rows(columns: list[tuple[str, EfficacyResults]],
               conf: str) -> tuple[list[list[str]], list[dict[str, Any]]]:
    """Display rows and data of table 14.2.7: each column's investigator and reviewer values."""
    readers = [(label, reader) for label, _ in columns for reader in (INVESTIGATOR, REVIEWER)]

    def pairs(primary: Callable[[EfficacyResults], Any],
              review: Callable[[EfficacyResults, IndependentReview], Any]) -> list[Any]:
        """Per column: primary(results), then review(results, its independent review)."""
        return [value for _, r in columns for value in (primary(r), review(r, _review(r)))]

    def tagged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"column": label, "reader": reader, **row}
                for (label, reader), row in zip(readers, rows)]

    blank = [""] * len(readers)
    display, data = [["Confirmed best overall response"] + blank], []
    # the lambdas below bind the loop variable on purpose: pairs() calls them in this iteration
    for category in RESPONSE_ORDER:
        cells = pairs(lambda r: (r.cbor_counts[category], r.pending.evaluable),  # noqa: B023
                      lambda r, ir: (ir.cbor_counts[category], r.pending.evaluable))  # noqa: B023
        display.append([INDENT + RESPONSE_LABELS[category]] + [fmt.n_pct(k, n) for k, n in cells])
        data += tagged([{"statistic": "CBOR", "category": category, "n": k, "N": n}
                        for k, n in cells])
    for label, key in (("Objective response rate (confirmed CR or PR)", "orr"),
                       ("Disease control rate (confirmed CR, PR, SD or non-CR/non-PD)", "dcr")):
        cells = pairs(lambda r: getattr(r, key), lambda r, ir: getattr(ir, key))  # noqa: B023
        display += [[label] + blank,
                    [f"{INDENT}n / settled (%)"]
                    + [fmt.ratio_pct(p.responders, p.n) for p in cells],
                    [f"{INDENT}Rate, % ({conf} CI)"]
                    + [fmt.rate_ci(p.rate, p.ci_low, p.ci_high) for p in cells]]
        data += tagged([{"statistic": key, "n": p.responders, "N": p.n, "rate": p.rate,
                         "ci_low": p.ci_low, "ci_high": p.ci_high} for p in cells])
    cells = pairs(lambda r: r.pfs, lambda r, ir: ir.pfs)
    display += [["Progression-free survival"] + blank,
                [f"{INDENT}Events, n (%)"] + [fmt.n_pct(s.events, s.n) for s in cells],
                [f"{INDENT}Median ({conf} CI), months"]
                + [fmt.estimate_ci(s.median, s.median_ci_low, s.median_ci_high) for s in cells]]
    data += tagged([{"statistic": "pfs", "n": s.events, "N": s.n, "median": s.median,
                     "ci_low": s.median_ci_low, "ci_high": s.median_ci_high} for s in cells])
    return display, data


def review_table(columns: list[tuple[str, EfficacyResults]], cfg: TrialConfig) -> Table:
    """Table 14.2.7: CBOR, ORR, DCR and PFS by the investigator and by the reviewer, per column."""
    conf = f"{fmt.number(100 * cfg.response.rate_conf_level, 0)}%"
    display, data = _pair_rows(columns, conf)
    headers = [""] + [f"{reader}\n(N={r.pending.evaluable})" for _, r in columns
                      for reader in (INVESTIGATOR, REVIEWER)]
    review = _review(columns[-1][1])
    return Table(
        id="t_14_2_7_independent_review", number="14.2.7",
        title="Response and progression-free survival by the investigator and by the independent "
              "review", population="Response-evaluable set (PFS: full analysis set)",
        data=pd.DataFrame(data), display=pd.DataFrame(display, columns=headers),
        header_groups=[("", 1)] + [(label, 2) for label, _ in columns], landscape=len(columns) > 1,
        source="ADSL, ADRS (CBOR, CBORIRC), ADTTE (PFS, PFSIRC)",
        footnotes=[f"Independent review: RSEVAL {review.evaluator}; with two readers, the "
                   "accepted reading (RSACPTFL = Y) of each assessment. Same rules as the "
                   "investigator's analysis.",
                   f"{review.concordance.n} subject(s) of the response-evaluable set have at least "
                   "one independent assessment; the others are MISSING by the review. Rates over "
                   "the subjects whose response is settled at the cut (n / settled), as table "
                   "14.2.2."])


def concordance_table(review: IndependentReview) -> Table:
    """Table 14.2.8: investigator BOR (rows) against independent BOR (columns)."""
    c = review.concordance
    shown = [k for k in RESPONSE_ORDER
             if sum(c.cells[k].values()) or sum(c.cells[a][k] for a in RESPONSE_ORDER)]
    display = pd.DataFrame([[k] + [fmt.count(c.cells[k][j]) for j in shown] for k in shown],
                           columns=["Investigator BOR \\ independent BOR", *shown])
    data = pd.DataFrame([{"investigator": a, "independent": b, "subjects": c.cells[a][b]}
                         for a in RESPONSE_ORDER for b in RESPONSE_ORDER])
    return Table(
        id="t_14_2_8_concordance", number="14.2.8",
        title="Concordance of best overall response: investigator against independent review",
        population="Response-evaluable subjects with an independent assessment", data=data,
        display=display, source="ADRS (BOR, BORIRC)",
        footnotes=[f"Agreement {fmt.n_pct(c.agree, c.n)}; Cohen's kappa "
                   f"{fmt.NOT_ESTIMABLE if c.kappa is None else fmt.number(c.kappa, 2)} "
                   "(unweighted; NE when every subject is in one category for both).",
                   "Best overall response, confirmation not required."])


def discordance_listing(responses: pd.DataFrame, pfs: pd.DataFrame, pfs_review: pd.DataFrame,
                        limit: int) -> Table:
    """Listing 14.2.9: subjects whose BOR, CBOR or PFS differ between the two readings."""
    data = discordant_subjects(responses, pfs, pfs_review)

    def pfs_text(months: pd.Series, event: pd.Series) -> pd.Series:
        return pd.Series([f"{fmt.number(m, 1)}{'' if e == 1 else ' (censored)'}"
                          if pd.notna(m) else fmt.NOT_ESTIMABLE for m, e in zip(months, event)],
                         index=months.index, dtype=object)

    display = pd.DataFrame({
        "Subject": data["USUBJID"], "Treatment": data["TRT01A"],
        "BOR inv.": data[BOR], "BOR ind.": data[BOR_REVIEW],
        "CBOR inv.": data[CBOR], "CBOR ind.": data[CBOR_REVIEW],
        "PFS inv., months": pfs_text(data["PFS"], data["PFSEVENT"]),
        "PFS ind., months": pfs_text(data["PFSIRC"], data["PFSIRCEVENT"])})
    return Table(
        id="l_14_2_9_discordant", number="14.2.9",
        title="Subjects whose response or progression differs between the investigator and the "
              "independent review", population="Response-evaluable subjects with an independent "
              "assessment", data=data, display=display, source="ADRS, ADTTE", landscape=True,
        footnotes=["inv.: investigator; ind.: independent review. PFS in months from the "
                   "reference date; an event unless marked censored."],
        empty_text="None: no subject's best overall response, confirmed best overall response or "
                   "PFS differs between the two readings.").as_listing(limit)


def independent_review_blocks(columns: list[tuple[str, EfficacyResults]], responses: pd.DataFrame,
                              pfs: pd.DataFrame, pfs_review: pd.DataFrame,
                              cfg: TrialConfig) -> list[Block]:
    """Tables 14.2.7-14.2.9 (the last two pooled over arms)."""
    review = _review(columns[-1][1])
    c = review.concordance
    summary = Paragraph(
        f"Independent review ({review.evaluator.lower()}) as a second analysis: ORR "
        f"{fmt.ratio_pct(review.orr.responders, review.orr.n)} against "
        f"{fmt.ratio_pct(columns[-1][1].orr.responders, columns[-1][1].orr.n)} by the "
        "investigator (over the subjects settled at the cut); "
        f"BOR agreement {fmt.n_pct(c.agree, c.n)}, {c.discordant} subject(s) discordant "
        "(Listing 14.2.9).")
    listing = discordance_listing(responses, pfs, pfs_review, cfg.report.max_listing_rows_in_pdf)
    return [summary, review_table(columns, cfg), concordance_table(review), listing]
