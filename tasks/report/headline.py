"""The headline numbers as Markdown, for the Prefect artifact of a run (from the typed results)."""
from __future__ import annotations

from pathlib import Path

from tasks.report import formatting as fmt
from tasks.results.efficacy import Survival
from tasks.results.run import Results
from tasks.results.safety import Share
from tasks.stats.binomial import Proportion


def _rate(part: Proportion | None) -> str:
    if part is None:
        return fmt.NOT_ESTIMABLE
    return f"{part.responders}/{part.n} = {fmt.rate_ci(part.rate, part.ci_low, part.ci_high)} %"


def _median(part: Survival) -> str:
    return (f"{fmt.estimate_ci(part.median, part.median_ci_low, part.median_ci_high)} months "
            f"({part.events} events in {part.n})")


def _subjects(part: Share) -> str:
    return f"{part.subjects} ({fmt.number(part.pct)} %)"


def headline_markdown(results: Results, published: Path) -> str:
    efficacy, safety, populations = results.efficacy, results.safety, results.populations
    pending = efficacy.pending
    verdicts = [f"- {rule}: **{verdict}**" for rule, verdict in results.monitoring.verdicts()]
    lines = [
        f"# {results.study}: interim analysis, data cutoff {results.cutoff}",
        f"Published: `{published}`",
        "",
        "| | |", "|---|---|",
        f"| Enrolled / treated / response-evaluable | {populations.enrolled} / "
        f"{populations.safety} / {populations.efficacy} |",
        f"| ORR, confirmed (95% CI), settled subjects | {_rate(efficacy.orr)} |",
        f"| Pending (response can still change) | {pending.pending}; ORR "
        f"{fmt.rate_range(pending.orr_if_none_confirm, pending.orr_if_all_confirm)} % "
        "if none or every pending response confirms |",
        f"| DCR (95% CI) | {_rate(efficacy.dcr)} |",
        f"| Median OS (95% CI) | {_median(efficacy.os)} |",
        f"| Median PFS (95% CI) | {_median(efficacy.pfs)} |",
        f"| Any TEAE | {_subjects(safety.teae)} |",
        f"| Grade >= 3 TEAE | {_subjects(safety.teae_grade3plus)} |",
        f"| Serious TEAE | {_subjects(safety.serious)} |",
        "",
        "## Monitoring rules", *verdicts,
    ]
    return "\n".join(lines) + "\n"
