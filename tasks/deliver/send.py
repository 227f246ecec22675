"""Delivering a version: check it is verified and approved, plan the copies still missing, then
for each recipient make the personal copy, send it and log the result, under the log's lock so
that concurrent runs never send one copy twice. Nothing is logged as sent that was not."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.deliver.approval import require_approved
from tasks.deliver.channels import Channel, SendFailed, open_channel
from tasks.deliver.copies import personal_copy
from tasks.deliver.log import DELIVERED, DeliveryLog, LogLine, utc_now
from tasks.deliver.plan import Job, plan_deliveries
from tasks.errors import DeliveryError
from tasks.operation import Delivery


@dataclass(frozen=True)
class Outcome:
    job: Job
    line: LogLine | None               # None: another run delivered it meanwhile

    @property
    def failed(self) -> bool:
        return self.line is not None and self.line.event == "failed"

    def describe(self) -> str:
        who = f"{self.job.audience} copy for {self.job.recipient.label()}"
        if self.line is None:
            return f"already delivered: {who}"
        if self.failed:
            return f"FAILED: {self.line.error}"
        return f"{self.line.event}: {who} (copy {self.line.copy_id}) -> {self.line.destination}"


def send_copy(job: Job, channel: Channel, log: DeliveryLog) -> Outcome:
    """Make, send and log one personal copy. A failure to send is logged as failed and returned;
    the copy counts as delivered only once the channel has taken it."""
    with log.locked() as append:
        delivered = any(line.event in DELIVERED and line.delivery_key() == job.key()
                        for line in log.read())
        if delivered and not job.resend:
            return Outcome(job, None)
        copy = personal_copy(job)
        common: dict[str, Any] = dict(version=job.version, version_dir=str(job.version_dir),
                                      audience=job.audience, recipient=job.recipient,
                                      copy_id=copy.copy_id, copy_sha256=copy.sha256,
                                      source_sha256=copy.source_sha256, channel=channel.name)
        try:
            destination = channel.send(job, copy)
        except SendFailed as exc:
            line = LogLine(event="failed", result="failed", error=str(exc), destination=exc.where,
                           time=utc_now(), **common)
        else:
            line = LogLine(event="resent" if delivered else "sent", destination=destination,
                           time=utc_now(), **common)
        append(line)
    return Outcome(job, line)


def require_sent(outcomes: list[Outcome]) -> None:
    """Raise when any copy could not be sent, naming each server and recipient."""
    failed = [o for o in outcomes if o.failed]
    if failed:
        details = "; ".join(str(o.line.error) for o in failed if o.line is not None)
        raise DeliveryError(f"{len(failed)} of {len(outcomes)} copies were not delivered: "
                            f"{details}. Run deliver again to send only what is missing")


def deliver_version(version_dir: Path, settings: Delivery, audience: str = "all",
                    resend: bool = False) -> list[Outcome]:
    """Send every missing personal copy of an approved version (all of them when `resend`).
    Refuses, with nothing sent, a version that fails verify or is not approved as it is now,
    an unknown audience, an audience without recipients or a missing SMTP credential."""
    version_dir = Path(version_dir).resolve()
    log = DeliveryLog.of_version(version_dir)
    require_approved(version_dir, log.read())
    jobs = plan_deliveries(version_dir, settings, audience, log.read(), resend)
    channel = open_channel(settings)
    return [send_copy(job, channel, log) for job in jobs]
