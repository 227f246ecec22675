"""Validate a data cut: a Pandera schema per SDTM domain plus cross-domain checks -> Findings."""
from tasks.validate.present import findings_frame, findings_table
from tasks.validate.run import raise_on_errors, validate_cut

__all__ = ["findings_frame", "findings_table", "raise_on_errors", "validate_cut"]
