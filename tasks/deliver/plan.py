"""Who gets which report of a version: each recipient of an audience the report of that audience
(closed: report-closed.pdf; open: open/report-open.pdf), unless the log shows it delivered."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.deliver.log import DELIVERED, LogLine, version_label
from tasks.errors import DeliveryError
from tasks.operation import AUDIENCES, Audience, Delivery, Recipient
from tasks.publish.layout import report_path

AUDIENCE_CHOICES = (*AUDIENCES, "all")


@dataclass(frozen=True)
class Job:
    """One personal copy to make and send."""
    version_dir: Path
    audience: Audience
    recipient: Recipient
    resend: bool                       # asked for: send even if the log shows it delivered

    @property
    def version(self) -> str:
        return version_label(self.version_dir)

    @property
    def source(self) -> Path:
        """The one file this audience may receive (the boundary: never the other's)."""
        return report_path(self.version_dir, self.audience)

    def key(self) -> tuple[str, str, str]:
        return (self.version, self.audience, self.recipient.email.lower())


def audiences_of(choice: str) -> tuple[Audience, ...]:
    if choice == "all":
        return AUDIENCES
    for audience in AUDIENCES:
        if choice == audience:
            return (audience,)
    raise DeliveryError(f"unknown audience {choice!r}: one of {', '.join(AUDIENCE_CHOICES)}; "
                        "nothing was sent")


def delivered_keys(lines: list[LogLine]) -> set[tuple]:
    return {line.delivery_key() for line in lines if line.event in DELIVERED}


def plan_deliveries(version_dir: Path, settings: Delivery, audience: str, lines: list[LogLine],
                    resend: bool) -> list[Job]:
    """The copies to send: every recipient of the chosen audiences who has none yet (all of them
    when `resend`)."""
    chosen = audiences_of(audience)
    if not any(settings.recipients(a) for a in chosen):
        raise DeliveryError(f"no recipients in the config for {' or '.join(chosen)} "
                            f"(delivery.{' / delivery.'.join(chosen)}); nothing was sent")
    done = delivered_keys(lines)
    jobs = []
    for name in chosen:
        for recipient in settings.recipients(name):
            job = Job(Path(version_dir), name, recipient, resend)
            if not job.source.is_file():
                raise DeliveryError(f"{job.source} is missing: the {name} audience has no report "
                                    "in this version; nothing was sent")
            if resend or job.key() not in done:
                jobs.append(job)
    return jobs
