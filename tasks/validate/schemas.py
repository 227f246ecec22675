"""One Pandera DataFrameSchema per domain, validated lazily; every failure becomes a Finding."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from tasks.config import TrialConfig
from tasks.model import Finding
from tasks.validate.findings import row_findings
from tasks.validate.rules import Rule, domain_rules, frame_findings
from tasks.validate.spec import spec_for

MISSING_COLUMN = "column_in_dataframe"   # pandera's check name for a required column not there


def domain_schema(domain: str, frame: pd.DataFrame, cfg: TrialConfig) -> tuple[pa.DataFrameSchema, dict[str, Rule]]:
    """The schema of one domain for this frame's columns, and its rules by check name.

    Columns stay text (no dtype check, no coercion); each rule is a vectorised Check on the
    column a finding names. Rules that read other columns of the row see the whole frame."""
    spec = spec_for(domain)
    rules = domain_rules(domain, frame, spec, cfg)
    checks: dict[str, list[pa.Check]] = {}
    for rule in rules:
        checks.setdefault(rule.column, []).append(
            pa.Check(lambda _, test=rule.test: test(frame), name=rule.name, ignore_na=False))
    columns = {column: pa.Column(None, checks=checks.get(column, []), required=True)
               for column in spec.required}
    columns.update({column: pa.Column(None, checks=found, required=False)
                    for column, found in checks.items() if column not in columns})
    return pa.DataFrameSchema(columns, name=domain.upper(), coerce=False), {r.name: r for r in rules}


def validate_domain(domain: str, frame: pd.DataFrame, file: str, cfg: TrialConfig) -> list[Finding]:
    """Every failure of the domain's schema (lazy: all of them), then missing expected columns,
    then the findings on the domain as a whole."""
    schema, rules = domain_schema(domain, frame, cfg)
    try:
        schema.validate(frame, lazy=True, inplace=True)
        failures = pd.DataFrame(columns=["check", "column", "index", "failure_case"])
    except SchemaErrors as exc:
        failures = exc.failure_cases
    findings = _failure_findings(failures, frame, file, domain, rules, cfg)
    for column, why in spec_for(domain).expected.items():
        if column not in frame.columns:
            findings.append(Finding("warning", f"{domain.upper()}.{column} present",
                                    f"{file} has no {column} column: {why}", file=file,
                                    column=column))
    return findings + frame_findings(domain, frame, file, cfg)


def _failure_findings(failures: pd.DataFrame, frame: pd.DataFrame, file: str, domain: str,
                      rules: dict[str, Rule], cfg: TrialConfig) -> list[Finding]:
    cap = cfg.validation.max_findings_per_rule
    findings: list[Finding] = []
    for (check, column), group in failures.groupby(["check", "column"], sort=False, dropna=False):
        if check == MISSING_COLUMN:
            for missing in group["failure_case"].astype(str):
                findings.append(Finding("error", f"{domain.upper()}.{missing} present",
                                        f"required column {missing} is missing from {file}",
                                        file=file, column=missing))
            continue
        rule = rules.get(str(check))
        at_rows = group["index"].dropna()
        if rule is None or at_rows.empty:
            # A check that could not run (pandera reports the exception as the failure case).
            findings.append(Finding("error", str(check), f"the check failed to run: "
                                    f"{group['failure_case'].iloc[0]}", file=file,
                                    column=None if pd.isna(column) else str(column)))
            continue
        flagged = frame.index.isin(at_rows.astype("int64"))
        findings += row_findings(frame, flagged, file=file, severity=rule.severity, rule=rule.name,
                                 column=rule.column, message=rule.message, cap=cap)
    return findings
