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


def domain_schema(domain: str, frame: pd.DataFrame, cfg: TrialConfig
                  ) -> tuple[pa.DataFrameSchema, dict[str, Rule], dict[str, pd.Series]]:
    """The schema of one domain for this frame's columns, its rules by check name, and where
    each rule's result per row is kept once pandera has run it.

    Columns stay text (no dtype check, no coercion); each rule is one vectorised test over the
    whole frame, a Check on the column a finding names. Pandera learns only whether a rule
    passed on every row: turning every failing row into a failure case costs seconds when a
    rule fails on most of a large domain; the findings take the failing rows from the result
    kept here."""
    spec = spec_for(domain)
    rules = domain_rules(domain, frame, spec, cfg)
    passed: dict[str, pd.Series] = {}

    def run(rule: Rule) -> bool:
        passed[rule.name] = (pd.Series(rule.test(frame), index=frame.index).fillna(False)
                             .astype(bool))
        return bool(passed[rule.name].all())

    checks: dict[str, list[pa.Check]] = {}
    for rule in rules:
        checks.setdefault(rule.column, []).append(
            pa.Check(lambda _, rule=rule: run(rule), name=rule.name, ignore_na=False))
    columns = {column: pa.Column(None, checks=checks.get(column, []), required=True)
               for column in spec.required}
    columns.update({column: pa.Column(None, checks=found, required=False)
                    for column, found in checks.items() if column not in columns})
    schema = pa.DataFrameSchema(columns, name=domain.upper(), coerce=False)
    return schema, {r.name: r for r in rules}, passed


def validate_domain(domain: str, frame: pd.DataFrame, file: str, cfg: TrialConfig) -> list[Finding]:
    """Every failure of the domain's schema (lazy: all of them), then missing expected columns,
    then the findings on the domain as a whole."""
    schema, rules, passed = domain_schema(domain, frame, cfg)
    try:
        schema.validate(frame, lazy=True, inplace=True)
        failures = pd.DataFrame(columns=["check", "column", "index", "failure_case"])
    except SchemaErrors as exc:
        failures = exc.failure_cases
    # pandera keeps the schema of a frame validated in place as long as the frame lives, and
    # the schema's checks hold the frame: with an empty schema in its place both can be let go
    frame.pandera.add_schema(pa.DataFrameSchema())
    findings = _failure_findings(failures, frame, file, domain, rules, passed, cfg)
    for column, why in spec_for(domain).expected.items():
        if column not in frame.columns:
            findings.append(Finding("warning", f"{domain.upper()}.{column} present",
                                    f"{file} has no {column} column: {why}", file=file,
                                    column=column))
    return findings + frame_findings(domain, frame, file, cfg)


def _failure_findings(failures: pd.DataFrame, frame: pd.DataFrame, file: str, domain: str,
                      rules: dict[str, Rule], passed: dict[str, pd.Series],
                      cfg: TrialConfig) -> list[Finding]:
    """Missing required columns first, then every failed rule in the order of the domain's
    rules (a defined order for two findings on one row; pandera's own order of failure cases
    comes from an unstable sort)."""
    cap = cfg.validation.max_findings_per_rule
    missing = failures["check"].eq(MISSING_COLUMN)
    findings = [Finding("error", f"{domain.upper()}.{column} present",
                        f"required column {column} is missing from {file}", file=file,
                        column=column)
                for column in failures.loc[missing, "failure_case"].astype(str)]
    failed = failures[~missing].drop_duplicates("check").set_index("check")
    for name, rule in rules.items():
        if name not in failed.index:
            continue
        if name not in passed:
            # The rule raised: pandera reports the exception as the failure case.
            findings.append(Finding("error", name, f"the check failed to run: "
                                    f"{failed.at[name, 'failure_case']}", file=file,
                                    column=rule.column))
            continue
        findings += row_findings(frame, ~passed[name], file=file, severity=rule.severity,
                                 rule=name, column=rule.column, message=rule.message, cap=cap)
    return findings
