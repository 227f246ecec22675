"""The kinds of error a user can meet; caught once at the CLI and turned into one message + exit
code."""
from __future__ import annotations


class InterimError(Exception):
    """Base of every error interim reports to its user (exit code 1)."""


class ConfigError(InterimError):
    """The configuration is wrong: the message names the key."""


class BadInputError(InterimError):
    """A data cut cannot be read or is malformed: the message names the file (and row, column)."""


class CutNotReadyError(InterimError):
    """The expected data cut is missing or still being written (no _READY marker)."""


class ValidationFailed(InterimError):
    """Validation found errors; `findings` holds every finding (errors and warnings)."""

    def __init__(self, findings: list, message: str | None = None) -> None:
        self.findings = findings
        n_err = sum(1 for f in findings if f.severity == "error")
        super().__init__(message or f"validation found {n_err} error(s); nothing was published")


class PublishError(InterimError):
    """A report version could not be published; nothing half-written is left in place."""


class DeliveryError(InterimError):
    """A version cannot be approved or delivered, or a copy could not be sent: the message names
    the version, and the recipient and server when a send failed."""
