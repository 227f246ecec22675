"""Page 2 of the closed report, "DSMB at a glance" (docs/dsmb-report.md item 2), as text made from
the typed results: every verdict in one line, the safety synopsis, the efficacy headline over one
stated denominator, data maturity, the items for the DSMB's attention and the independent
statistician's summary. Each line names the table it comes from by id; the renderer turns the
id into the table's label and page."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from tasks.config import TrialConfig
from tasks.monitoring.decision import RULES_TABLE, rule_lines
from tasks.report import formatting as fmt
from tasks.report.glance_page import Glance, GlanceLine, GlanceVerdict, SafetyRow
from tasks.report.narrative import NarrativeBlock
from tasks.results.attention import AttentionItem
from tasks.results.monitoring import SimonResult
from tasks.results.run import Results
from tasks.results.safety import SafetyResults, Share

TEAE_OVERVIEW, DEATHS_TABLE = "t_14_3_1_teae_overview", "t_14_3_6_1_deaths"
AESI_TABLE, RATES_TABLE = "t_14_3_7_aesi", "t_14_2_2_response_rates"
INFERENCE_TABLE, OS_TABLE, PFS_TABLE = "t_10_3_simon_inference", "t_14_2_3_km_os", "t_14_2_4_km_pfs"


def _cells(columns: list[tuple[str, SafetyResults]],
           pick: Callable[[SafetyResults], Share]) -> tuple[str, ...]:
    return tuple(fmt.n_pct(pick(result).subjects, result.population) for _, result in columns)


def _aesi(group: str) -> Callable[[SafetyResults], Share]:
    return lambda result: result.aesi_grade3plus.get(group, Share(0, None))


def safety_synopsis(safety: SafetyResults, death_window_days: int) -> tuple[SafetyRow, ...]:
    """Any TEAE, grade >= 3, related grade >= 3 at any time, serious, deaths (within the window of
    last dose), fatal TEAE, discontinued for an AE, grade >= 3 AESI by group (those with any)."""
    columns = safety.columns()
    high = "severe" if safety.grade_scale == "Severity" else "grade >= 3"
    rows = [SafetyRow("Any TEAE", _cells(columns, lambda r: r.teae), TEAE_OVERVIEW),
            SafetyRow(f"TEAE {high}", _cells(columns, lambda r: r.teae_grade3plus), TEAE_OVERVIEW),
            SafetyRow(f"Related TEAE {high}, any cycle",
                      _cells(columns, lambda r: r.related_grade3plus), TEAE_OVERVIEW),
            SafetyRow("Serious TEAE", _cells(columns, lambda r: r.serious), TEAE_OVERVIEW),
            SafetyRow("Deaths", _cells(columns, lambda r: r.deaths), DEATHS_TABLE),
            SafetyRow(f"within {death_window_days} days of last dose",
                      _cells(columns, lambda r: r.deaths_in_window), DEATHS_TABLE, indent=True),
            SafetyRow("Fatal TEAE", _cells(columns, lambda r: r.fatal), TEAE_OVERVIEW),
            SafetyRow("TEAE leading to discontinuation",
                      _cells(columns, lambda r: r.discontinuation), TEAE_OVERVIEW)]
    groups = [group for group, share in safety.aesi_grade3plus.items() if share.subjects]
    rows.append(SafetyRow(f"AESI {high}, by group" if groups else f"AESI {high}: none",
                          tuple("" if groups else "0" for _ in columns), AESI_TABLE))
    rows += [SafetyRow(group, _cells(columns, _aesi(group)), AESI_TABLE, indent=True)
             for group in groups]
    return tuple(rows)


def _rate(k: int, n: int) -> str:
    """'7/24 = 29.2%' in a sentence."""
    return f"{k}/{n} = {fmt.percent(k, n)}%"


def efficacy_headline(results: Results, rate_conf_level: float) -> tuple[GlanceLine, ...]:
    """ORR and DCR over the settled subjects, the pending apart with the ORR range, and the
    design-consistent inference once stage 2 is reached."""
    eff, pending = results.efficacy, results.efficacy.pending
    orr, dcr = eff.orr, eff.dcr
    ci = f"{fmt.number(100 * rate_conf_level, 0)}% CI"
    lines = [GlanceLine(
        f"ORR (confirmed CR or PR) {_rate(orr.responders, orr.n)}, {ci} "
        f"{fmt.rate_range(orr.ci_low, orr.ci_high)}%, over the "
        f"{pending.settled} of {pending.evaluable} response-evaluable subjects whose response is "
        f"settled. Pending apart: {pending.pending} ({pending.awaiting_confirmation} awaiting "
        f"confirmation of a CR or PR, {pending.in_first_window} in the first assessment window); "
        f"ORR {fmt.rate_range(pending.orr_if_none_confirm, pending.orr_if_all_confirm)}% if no "
        "pending response confirms or every one does.", RATES_TABLE),
        GlanceLine(f"DCR {_rate(dcr.responders, dcr.n)}, {ci} "
                   f"{fmt.rate_range(dcr.ci_low, dcr.ci_high)}%, over the same {pending.settled} "
                   "subjects.", RATES_TABLE)]
    simon = results.monitoring.simon
    if isinstance(simon, SimonResult) and simon.inference is not None:
        inf = simon.inference
        conf = fmt.number(100 * inf.conf_level, 0)
        provisional = (f"; provisional, {inf.provisional} of the first {inf.n} not yet settled"
                       if inf.provisional else "")
        lines.append(GlanceLine(
            f"After the two-stage design ({inf.responses} responses in the first {inf.n}): "
            f"stage-wise p {_p(inf.p_value)} (naive p {_p(inf.naive_p_value)}), "
            f"UMVUE {fmt.number(100 * inf.estimate)}%, "
            f"{conf}% CI {fmt.rate_range(inf.ci_low, inf.ci_high)}% (naive "
            f"{fmt.rate_range(inf.naive_ci_low, inf.naive_ci_high)}%){provisional}.",
            INFERENCE_TABLE))
    return tuple(lines)


def _p(value: float) -> str:
    """'= 0.0123' or '< 0.0001'."""
    shown = fmt.p_value(value)
    return shown if shown.startswith("<") else f"= {shown}"


def data_maturity(results: Results) -> tuple[GlanceLine, ...]:
    eff, info = results.efficacy, results.monitoring.information_fraction
    follow = eff.follow_up
    os, pfs = eff.os, eff.pfs
    lines = [GlanceLine(f"Median follow-up "
                        f"{fmt.estimate_ci(follow.median, follow.ci_low, follow.ci_high)} months "
                        f"({follow.method}).", OS_TABLE),
             GlanceLine(f"OS: {os.events} deaths in {os.n}, median "
                        f"{fmt.estimate_ci(os.median, os.median_ci_low, os.median_ci_high)} "
                        "months.", OS_TABLE),
             GlanceLine(f"PFS: {pfs.events} events in {pfs.n}, median "
                        f"{fmt.estimate_ci(pfs.median, pfs.median_ci_low, pfs.median_ci_high)} "
                        "months.", PFS_TABLE)]
    if info.planned:
        lines.append(GlanceLine(f"Information: {info.evaluable} of {info.planned} planned subjects "
                                "have a settled response "
                                f"({fmt.percent(info.evaluable, info.planned)}%).",
                                RULES_TABLE))
    return tuple(lines)


def attention_lines(items: Sequence[AttentionItem], per_rule: int) -> tuple[GlanceLine, ...]:
    """The items for the DSMB's attention, at most `per_rule` of each rule, so that the page stays
    one page at any trial size; the rest of a rule in one line that points to where all are
    listed (results.json holds every item)."""
    lines: list[GlanceLine] = []
    for (rule, target), found in groupby(items, key=lambda item: (item.rule, item.target)):
        chosen = list(found)
        lines += [GlanceLine(item.text, item.target) for item in chosen[:per_rule]]
        if len(chosen) > per_rule:
            lines.append(GlanceLine(f"And {len(chosen) - per_rule} more ({rule}; {len(chosen)} in "
                                    "all), each in", target))
    return tuple(lines)


def glance(results: Results, cfg: TrialConfig,
           narrative: tuple[NarrativeBlock, ...] | None) -> Glance:
    """The page's content; `narrative` None when no summary was supplied with the run."""
    return Glance(
        verdicts=tuple(GlanceVerdict(line.name, line.boundary, line.observed, str(line.verdict))
                       for line in rule_lines(results.monitoring)),
        verdicts_target=RULES_TABLE,
        safety_columns=tuple(f"{arm} (N = {r.population})" for arm, r in results.safety.columns()),
        safety=safety_synopsis(results.safety, cfg.safety.death_window_days),
        efficacy=efficacy_headline(results, cfg.response.rate_conf_level),
        maturity=data_maturity(results),
        attention=attention_lines(results.attention, cfg.report.glance_items_per_rule),
        narrative=narrative)
