"""What every channel is: send one personal copy, say where it went, or raise SendFailed."""
from __future__ import annotations

from typing import Protocol

from tasks.deliver.copies import PersonalCopy
from tasks.deliver.plan import Job
from tasks.errors import DeliveryError


class SendFailed(DeliveryError):
    """A copy did not reach its recipient (after the channel's retries)."""

    def __init__(self, where: str, job: Job, reason: str) -> None:
        self.where = where
        super().__init__(f"{where}: could not deliver the {job.audience} copy to "
                         f"{job.recipient.label()}: {reason}")


class Channel(Protocol):
    name: str

    def send(self, job: Job, copy: PersonalCopy) -> str:
        """Deliver `copy`; return where it went. Raises SendFailed when it did not."""
