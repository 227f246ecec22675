"""The verdicts of the monitoring rules (../shared/CONTRACT.md), one enum for every rule."""
from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    CONTINUE = "CONTINUE"
    STOP_FOR_FUTILITY = "STOP FOR FUTILITY"
    NOT_YET_EVALUABLE = "NOT YET EVALUABLE"
    FINAL_BOUNDARY_EXCEEDED = "FINAL BOUNDARY EXCEEDED"
    DECLARE_PROMISING = "DECLARE PROMISING"
    NOT_PROMISING = "NOT PROMISING"
    SAFETY_BOUNDARY_CROSSED = "SAFETY BOUNDARY CROSSED"
    NOT_CONFIGURED = "NOT CONFIGURED"
