"""validate_cut: every finding of a cut (reading, cutoff, domain schemas, cross-domain checks)."""
from __future__ import annotations

from tasks.config import TrialConfig
from tasks.errors import ValidationFailed
from tasks.model import Cut, Finding
from tasks.validate.cross import cross_checks
from tasks.validate.present import sort_findings
from tasks.validate.schemas import validate_domain


def validate_cut(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """All findings, errors and warnings, sorted by severity, file and row: the cut's own (from
    reading it and applying the cutoff), each domain's schema, then the cross-domain checks."""
    findings = list(cut.findings)
    for domain, frame in cut.domains.items():
        findings += validate_domain(domain, frame, cut.file_name(domain), cfg)
    findings += cross_checks(cut, cfg)
    return sort_findings(findings)


def raise_on_errors(findings: list[Finding]) -> None:
    """ValidationFailed (holding every finding) when any finding is an error."""
    if any(f.severity == "error" for f in findings):
        raise ValidationFailed(findings)
