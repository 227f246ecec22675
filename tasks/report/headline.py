"""The headline numbers as Markdown, for the Prefect artifact of a run."""
from __future__ import annotations

from pathlib import Path

from tasks.report import formatting as fmt


def _rate(part: dict | None) -> str:
    if not part:
        return fmt.NOT_ESTIMABLE
    return (f"{part['responders']}/{part['n']} = "
            f"{fmt.rate_ci(part.get('rate'), part.get('ci_low'), part.get('ci_high'))} %")


def _median(part: dict | None) -> str:
    if not part:
        return fmt.NOT_ESTIMABLE
    return (f"{fmt.estimate_ci(part.get('median'), part.get('median_ci_low'), part.get('median_ci_high'))}"
            f" months ({part.get('events')} events in {part.get('n')})")


def _subjects(part: dict | None) -> str:
    return f"{part['subjects']} ({fmt.number(part['pct'])} %)" if part else fmt.NOT_ESTIMABLE


def headline_markdown(results: dict, published: Path) -> str:
    efficacy, safety = results.get("efficacy", {}), results.get("safety", {})
    populations = results.get("populations", {})
    verdicts = [f"- {rule.get('rule', name)}: **{rule.get('verdict', '')}**"
                for name, rule in results.get("monitoring", {}).items()
                if isinstance(rule, dict) and "verdict" in rule]
    lines = [
        f"# {results['study']}: interim analysis, data cutoff {results['cutoff']}",
        f"Published: `{published}`",
        "",
        "| | |", "|---|---|",
        f"| Enrolled / treated / response-evaluable | {populations.get('enrolled')} / "
        f"{populations.get('safety')} / {populations.get('efficacy')} |",
        f"| ORR, confirmed (95% CI) | {_rate(efficacy.get('orr'))} |",
        f"| DCR (95% CI) | {_rate(efficacy.get('dcr'))} |",
        f"| Median OS (95% CI) | {_median(efficacy.get('os'))} |",
        f"| Median PFS (95% CI) | {_median(efficacy.get('pfs'))} |",
        f"| Any TEAE | {_subjects(safety.get('teae'))} |",
        f"| Grade >= 3 TEAE | {_subjects(safety.get('teae_grade3plus'))} |",
        f"| Serious TEAE | {_subjects(safety.get('serious'))} |",
        "",
        *(["## Monitoring rules", *verdicts] if verdicts else []),
    ]
    return "\n".join(lines) + "\n"
