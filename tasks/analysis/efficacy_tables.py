"""Efficacy tables 14.2.1-14.2.6: BOR/CBOR frequencies, response rates with exact CIs (DCR at the
landmark among them), the Kaplan-Meier summaries of OS, PFS and DOR and the PFS sensitivity
analyses, each by arm and in total."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.adam.landmark import NO, NOT_REACHED, PENDING, YES, landmark_days
from tasks.adam.response_terms import CLINICAL_BENEFIT as DISEASE_CONTROL
from tasks.adam.response_terms import RESPONDER, RESPONSE_ORDER
from tasks.analysis.arms import column_header
from tasks.analysis.efficacy_data import BOR, CBOR, CBOR_WINDOW, LANDMARK
from tasks.config import TrialConfig
from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.results.efficacy import EfficacyResults, FollowUp, LandmarkRate, Survival
from tasks.stats.binomial import Proportion, binomial_summary
from tasks.stats.km import KMSummary, Quantile, km_summary

INDENT = "    "
REFERENCE_DATES = {"TRTSDT": "the first dose", "RANDDT": "randomization"}
# no such ADRS parameter
NOT_DERIVED = {"responders": None, "rate": None, "ci_low": None, "ci_high": None}
Columns = list[tuple[str, EfficacyResults]]
RESPONSE_LABELS = {
    "CR": "Complete response (CR)", "PR": "Partial response (PR)", "SD": "Stable disease (SD)",
    "NON-CR/NON-PD": "Non-CR/non-PD", "PD": "Progressive disease (PD)",
    "NE": "Not evaluable (NE)", "MISSING": "Missing (no assessment)",
}


@dataclass(frozen=True)
class Rate:
    """A response rate: results.json key, ADRS parameter, the categories that count, label."""
    key: str
    paramcd: str
    categories: tuple[str, ...]
    label: str


def rate_definitions(cfg: TrialConfig) -> tuple[Rate, ...]:
    window = fmt.text(cfg.response.dcr_window_months)
    return (
        Rate("orr", CBOR, RESPONDER, "Objective response rate (confirmed CR or PR)"),
        Rate("dcr", CBOR, DISEASE_CONTROL,
             "Disease control rate (confirmed BOR CR, PR, SD or non-CR/non-PD)"),
        Rate("dcr_6m_best", CBOR_WINDOW, DISEASE_CONTROL,
             f"Disease control rate, best response within {window} months (supportive)"),
        Rate("orr_unconfirmed", BOR, RESPONDER,
             "Objective response rate, unconfirmed (supportive)"),
    )


def response_rate(responses: pd.DataFrame, rate: Rate, cfg: TrialConfig) -> Proportion | None:
    """The rate over the settled subjects (SETTLEDFL) with its exact CI; None when ADRS does not
    hold the parameter."""
    if rate.paramcd not in responses.columns:
        return None
    settled = responses[responses["SETTLEDFL"]]
    hits = int(settled[rate.paramcd].isin(rate.categories).sum())
    return binomial_summary(hits, len(settled), cfg.response.rate_conf_level)


def landmark_rate(responses: pd.DataFrame, cfg: TrialConfig) -> LandmarkRate | None:
    """DCR at the landmark over the subjects with DCLM Y or N; None without DCLM in ADRS."""
    if LANDMARK not in responses.columns:
        return None
    values = responses[LANDMARK]
    return LandmarkRate(
        months=cfg.response.dcr_window_months,
        rate=binomial_summary(int(values.eq(YES).sum()), int(values.isin([YES, NO]).sum()),
                              cfg.response.rate_conf_level),
        pending=int(values.eq(PENDING).sum()), not_reached=int(values.eq(NOT_REACHED).sum()))


def endpoint_summary(records: pd.DataFrame, cfg: TrialConfig) -> KMSummary:
    return km_summary(records["AVAL"], records["EVENT"], cfg.survival.landmarks_months,
                      cfg.survival.conf_level)


def _pct(conf: float) -> str:
    return f"{fmt.number(100 * conf, 0)}%"


def _headers(columns: list[tuple[str, int]]) -> list[str]:
    return [""] + [column_header(label, n) for label, n in columns]


def _evaluable(columns: Columns) -> list[tuple[str, int]]:
    """(label, N) of the response-evaluable subjects of each column."""
    return [(label, result.pending.evaluable) for label, result in columns]


def pending_footnote(cfg: TrialConfig) -> str:
    """How pending subjects are set apart (the rule of tasks.monitoring.pending, in words)."""
    r = cfg.response
    return (f"Pending: a subject whose response can still change at the cut: an unconfirmed CR or "
            f"PR whose confirming assessment (the first scheduled one at least "
            f"{r.confirmation_min_days} days later, every {r.assessment_interval_days} days, + "
            f"{r.assessment_window_days} days) is not yet due or reported, with no PD or death "
            f"since; or a subject within "
            f"{r.assessment_interval_days + r.confirmation_min_days} days of "
            f"{REFERENCE_DATES[r.reference_date]} (first assessment and its confirmation) without "
            "a confirmed response, PD or death. Pending subjects are counted apart, never as "
            "non-responders.")


def response_frequency_table(columns: Columns, cfg: TrialConfig, not_evaluable: int) -> Table:
    """Table 14.2.1: BOR and CBOR, n (%) of the response-evaluable subjects of each column."""
    blank = [""] * len(columns)
    display, data = [], []
    for paramcd, title in ((BOR, "Best overall response (confirmation not required)"),
                           (CBOR, "Confirmed best overall response")):
        display.append([title] + blank)
        for category in RESPONSE_ORDER:
            cells = [((r.bor_counts if paramcd == BOR else r.cbor_counts)[category],
                      r.pending.evaluable) for _, r in columns]
            display.append([INDENT + RESPONSE_LABELS[category]]
                           + [fmt.n_pct(n, total) for n, total in cells])
            data += [{"parameter": paramcd, "response": category, "column": label, "n": n,
                      "N": total, "pct": 100.0 * n / total if total else None}
                     for (n, total), (label, _) in zip(cells, columns)]
    r = cfg.response
    return Table(
        id="t_14_2_1_bor", number="14.2.1",
        title="Best overall response and confirmed best overall response",
        population="Response-evaluable set", data=pd.DataFrame(data),
        display=pd.DataFrame(display, columns=_headers(_evaluable(columns))), source="ADSL, ADRS",
        footnotes=[f"Responses per RECIST as assessed by the {r.evaluator.lower()}; percentages "
                   "over N.",
                   f"SD and non-CR/non-PD count only when at least {r.sd_min_days} days after "
                   f"{REFERENCE_DATES[r.reference_date]}; "
                   "earlier they count as NE. Missing: no assessment after the reference date.",
                   _confirmation_rule(cfg),
                   f"{not_evaluable} subject(s) of the full analysis set without measurable "
                   "disease at baseline are not in the response-evaluable set.",
                   _pending_by_category(columns[-1][1]), pending_footnote(cfg)])


def _pending_by_category(total: EfficacyResults) -> str:
    pending = total.pending
    if not pending.pending:
        return "No subject is pending at the cut: every response here is settled."
    parts = ", ".join(f"{n} {category}" for category, n in pending.cbor_counts.items() if n)
    return (f"{pending.pending} of the {pending.evaluable} subjects are pending at the cut "
            f"(confirmed best overall response so far: {parts}); Table 14.2.2 counts them apart "
            "from the rates.")


def _confirmation_rule(cfg: TrialConfig) -> str:
    r = cfg.response
    sd = " One SD is allowed between a PR and its confirmation." if r.accept_sd_between else ""
    return ("Confirmation: a CR or PR is confirmed by a later CR (for PR: CR or PR) at least "
            f"{r.confirmation_min_days} days later, with at most {r.max_ne_between} NE in "
            f"between.{sd}")


def _rate_rows(rate: Rate, results: list[Proportion | None], conf: str,
               of: str = "settled") -> list[list[str]]:
    """The label row, k / n (%) (`of`: what n counts) and the rate with its CI."""
    return [[rate.label] + [""] * len(results),
            [f"{INDENT}n / {of} (%)"] + [
                fmt.NOT_ESTIMABLE if res is None else fmt.ratio_pct(res.responders, res.n)
                for res in results],
            [f"{INDENT}Rate, % ({conf} CI)"] + [
                fmt.NOT_ESTIMABLE if res is None else fmt.rate_ci(res.rate, res.ci_low, res.ci_high)
                for res in results]]


def response_rate_table(columns: Columns, cfg: TrialConfig) -> Table:
    """Table 14.2.2: ORR, DCR, DCR at the landmark (its own denominator), DCR by the best
    response within the landmark and unconfirmed ORR with exact CIs over the settled subjects,
    the pending subjects apart, and the ORR if every pending response confirms or none does."""
    conf = _pct(cfg.response.rate_conf_level)
    r = cfg.response
    window = fmt.text(r.dcr_window_months)
    pending = [result.pending for _, result in columns]
    display = [["Response settled at the cut, n"] + [fmt.count(p.settled) for p in pending],
               ["Pending (response can still change), n"] + [fmt.count(p.pending) for p in pending],
               [f"{INDENT}Awaiting confirmation of a CR or PR"]
               + [fmt.count(p.awaiting_confirmation) for p in pending],
               [f"{INDENT}Within the first assessment and confirmation window"]
               + [fmt.count(p.in_first_window) for p in pending]]
    data = []
    landmark = Rate("dcr_6m", LANDMARK, (YES,),
                    f"Disease control rate at {window} months (landmark)")
    for rate in rate_definitions(cfg):
        results: list[Proportion | None] = [getattr(result, rate.key) for _, result in columns]
        display += _rate_rows(rate, results, conf)
        if rate.key == "orr":
            display.append([f"{INDENT}If no pending response confirms / if every one does, %"]
                           + [fmt.rate_range(p.orr_if_none_confirm, p.orr_if_all_confirm)
                              for p in pending])
        data += [{"endpoint": rate.key, "column": label, "evaluable": p.evaluable,
                  "pending": p.pending, "n": None if res is None else res.n,
                  **({k: getattr(res, k) for k in NOT_DERIVED} if res is not None else NOT_DERIVED)}
                 for res, (label, _), p in zip(results, columns, pending)]
        if rate.key == "dcr":
            at = [None if result.dcr_6m is None else result.dcr_6m.rate for _, result in columns]
            display += _rate_rows(landmark, at, conf, of=f"reached {window} months")
            data += [{"endpoint": landmark.key, "column": label, "evaluable": p.evaluable,
                      "pending": None if result.dcr_6m is None else result.dcr_6m.pending,
                      "n": None if res is None else res.n,
                      **({k: getattr(res, k) for k in NOT_DERIVED} if res is not None
                         else NOT_DERIVED)}
                     for res, (label, result), p in zip(at, columns, pending)]
    footnotes = [
        "Every rate is over the response-evaluable subjects whose response is settled at the cut "
        "(n / settled); the pending subjects are counted apart. The ORR range counts every "
        "pending response as confirmed, or none, over the settled subjects and those awaiting "
        "confirmation.",
        pending_footnote(cfg),
        "ORR: confirmed best overall response CR or PR. DCR: confirmed best overall response CR, "
        "PR, SD or non-CR/non-PD. Unconfirmed ORR: best overall response CR or PR without "
        "confirmation.",
        f"DCR at {window} months: CR, PR, SD or non-CR/non-PD at the assessment closest to "
        f"{window} months ({fmt.number(landmark_days(r), 1)} days) after "
        f"{REFERENCE_DATES[r.reference_date]}, at most {r.dcr_landmark_window_days} days from it; "
        f"over the subjects who reached {window} months or progressed or died before it (n / "
        f"reached {window} months), settled or not. " + _landmark_apart(columns),
        f"DCR, best response within {window} months: confirmed best overall response from the "
        f"assessments within {window} months of {REFERENCE_DATES[r.reference_date]} only.",
        _confirmation_rule(cfg),
        f"{conf} CI: exact (Clopper-Pearson).",
    ]
    if columns[0][1].dcr_6m is None:
        footnotes.append(f"NE for DCR at {window} months: ADRS has no {LANDMARK} parameter in "
                         "this cut.")
    if columns[0][1].dcr_6m_best is None:
        footnotes.append(f"NE for DCR within {window} months: ADRS has no {CBOR_WINDOW} parameter "
                         "in this cut.")
    return Table(
        id="t_14_2_2_response_rates", number="14.2.2",
        title="Objective response and disease control rates",
        population="Response-evaluable set", data=pd.DataFrame(data),
        display=pd.DataFrame(display, columns=_headers(_evaluable(columns))), source="ADSL, ADRS",
        footnotes=footnotes)


def _landmark_apart(columns: Columns) -> str:
    """The subjects left out of the landmark denominator, per column."""
    parts = [f"{label}: {lm.pending} pending (window not over, no assessment yet), "
             f"{lm.not_reached} not reached (follow-up ended before it)"
             for label, result in columns if (lm := result.dcr_6m) is not None]
    return ("Not in the denominator: " + "; ".join(parts) + ".") if parts else ""


def pfs_sensitivity_table(columns: Columns, cfg: TrialConfig) -> Table:
    """Table 14.2.6: PFS and its sensitivity analyses (events, median with CI) per column."""
    conf = _pct(cfg.survival.conf_level)
    analyses = [("PFS", "Primary analysis", lambda r: r.pfs)] + [
        (s.paramcd, s.label, lambda r, i=i: r.pfs_sensitivity[i].survival)
        for i, s in enumerate(columns[0][1].pfs_sensitivity)]
    display, data = [], []
    for paramcd, label, get in analyses:
        results = [get(r) for _, r in columns]
        display += [[f"{label} ({paramcd})"] + [""] * len(columns),
                    [f"{INDENT}Events, n (%)"] + [fmt.n_pct(s.events, s.n) for s in results],
                    [f"{INDENT}Median ({conf} CI), months"]
                    + [_quantile_text(s.median_quantile) for s in results]]
        data += [{"paramcd": paramcd, "column": column, "n": s.n, "events": s.events,
                  "median": s.median, "ci_low": s.median_ci_low, "ci_high": s.median_ci_high}
                 for s, (column, _) in zip(results, columns)]
    r = cfg.response
    allowed = 2 * r.assessment_interval_days + r.assessment_window_days
    return Table(
        id="t_14_2_6_pfs_sensitivity", number="14.2.6",
        title="Progression-free survival: primary and sensitivity analyses",
        population="Full analysis set", data=pd.DataFrame(data),
        display=pd.DataFrame(display,
                             columns=_headers([(label, res.pfs.n) for label, res in columns])),
        source="ADSL, ADTTE",
        footnotes=[f"Primary: a PD or death more than {allowed} days (2 x "
                   f"{r.assessment_interval_days} + {r.assessment_window_days}) after the last "
                   "adequate assessment is censored at it (two or more missed assessments, FDA "
                   "2018; response.pfs_missed_assessments); censored at the last adequate "
                   "assessment before a new anticancer therapy.",
                   "PFSNMISS: every PD and death counts, however late. PFSNACT: PD and death "
                   "count regardless of a new anticancer therapy, from every assessment. Shown "
                   "when the primary analysis applies the rule.",
                   "Kaplan-Meier; median with the Brookmeyer-Crowley CI on the log-log scale."])


def _quantile_text(q: Quantile) -> str:
    return fmt.estimate_ci(q.estimate, q.ci_low, q.ci_high)


def _reasons(records: pd.DataFrame, event: int, column: str, n: int) -> list[tuple[str, str, dict]]:
    """One indented row per EVNTDESC (events) or CNSDTDSC (censored) value, in name order."""
    group = "events" if event else "censored"
    counts = records.loc[records["EVENT"].eq(event), column].value_counts().sort_index()
    missing = "Event not described" if event else "Censoring reason not described"
    return [(f"{INDENT}{desc or missing}", fmt.n_pct(int(k), n),
             {"statistic": group, "category": desc, "value": int(k)}) for desc, k in counts.items()]


def _km_rows(records: pd.DataFrame, summary: Survival,
             follow_up: FollowUp | None) -> list[tuple[str, str, dict]]:
    """(row label, display text, data) for one column of a Kaplan-Meier summary table."""
    n, conf = summary.n, _pct(summary.conf_level)
    rows = [("Subjects, n", fmt.count(n), {"statistic": "n", "value": n}),
            ("Events, n (%)", fmt.n_pct(summary.events, n),
             {"statistic": "events", "value": summary.events}),
            *_reasons(records, 1, "EVNTDESC", n),
            ("Censored, n (%)", fmt.n_pct(summary.censored, n),
             {"statistic": "censored", "value": summary.censored}),
            *_reasons(records, 0, "CNSDTDSC", n)]

    def quantile(label: str, statistic: str, q: Quantile) -> tuple[str, str, dict]:
        return (f"{label} ({conf} CI), months", _quantile_text(q),
                {"statistic": statistic, "value": q.estimate, "ci_low": q.ci_low,
                 "ci_high": q.ci_high})

    rows += [quantile("Median", "median", summary.median_quantile),
             quantile("25th percentile", "q1", summary.q1),
             quantile("75th percentile", "q3", summary.q3)]
    rows += [(f"Rate at {fmt.text(mark.time)} months, % ({conf} CI)",
              fmt.rate_ci(mark.surv, mark.ci_low, mark.ci_high),
              {"statistic": f"rate at {fmt.text(mark.time)} months", "value": mark.surv,
               "ci_low": mark.ci_low, "ci_high": mark.ci_high, "n_risk": mark.n_risk})
             for mark in summary.landmarks]
    if follow_up is not None:
        rows.append(quantile("Median follow-up", "median follow-up (reverse KM)",
                             Quantile(0.5, follow_up.median, follow_up.ci_low, follow_up.ci_high)))
    return rows


def km_summary_table(table_id: str, number: str, title: str, population: str,
                     columns: list[tuple[str, pd.DataFrame, Survival]], cfg: TrialConfig,
                     definition: str, follow_up: list[FollowUp] | None) -> Table:
    """A Kaplan-Meier summary table (14.2.3 OS, 14.2.4 PFS, 14.2.5 DOR); one column per arm: its
    ADTTE records (for the event and censoring reasons) and its summary. Reasons are listed as
    they occur in any column (0 elsewhere). `follow_up`: each column's median follow-up (OS)."""
    per_column = [_km_rows(frame, summary, None if follow_up is None else follow_up[i])
                  for i, (_, frame, summary) in enumerate(columns)]
    labels: list[str] = []
    for rows in per_column:          # union of row labels, in the order of first appearance
        labels += [label for label, _, _ in rows if label not in labels]
    labels = _ordered_rows(labels, per_column)
    texts = [{label: text for label, text, _ in rows} for rows in per_column]
    display = [[label] + [t.get(label, "0") for t in texts] for label in labels]
    data = [{"column": name, **row} for (name, _, _), rows in zip(columns, per_column)
            for _, _, row in rows]
    conf = _pct(cfg.survival.conf_level)
    footnotes = [
        definition,
        "Kaplan-Meier estimates; times in months (days / 30.4375). Median and quartiles with the "
        f"Brookmeyer-Crowley {conf} CI on the log-log scale (as SAS PROC LIFETEST; R survival's "
        "default is the log scale); landmark rates with Greenwood variance and log-log CI. NE: "
        "not reached or not estimable.",
    ]
    if follow_up is not None:
        footnotes.append("Median follow-up by the reverse Kaplan-Meier method (censoring as the "
                         "event).")
    return Table(id=table_id, number=number, title=title, population=population,
                 data=pd.DataFrame(data),
                 display=pd.DataFrame(display,
                                      columns=_headers([(label, s.n) for label, _, s in columns])),
                 source="ADSL, ADTTE",
                 footnotes=footnotes)


def _ordered_rows(labels: list[str], per_column: list[list[tuple[str, str, dict]]]) -> list[str]:
    """Sub-rows (indented reasons) stay under their heading even when only a later column has
    them."""
    kind = {label: row["statistic"] for rows in per_column for label, _, row in rows}
    headings = [label for label in labels if not label.startswith(INDENT)]
    ordered = []
    for heading in headings:
        ordered.append(heading)
        if heading.startswith(("Events", "Censored")):
            group = "events" if heading.startswith("Events") else "censored"
            ordered += sorted(label for label in labels if label.startswith(INDENT)
                              and kind[label] == group)
    return ordered
