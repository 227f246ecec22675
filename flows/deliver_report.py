"""The deliver-report flow: an approved version -> a personal watermarked copy for each recipient
of each audience, logged in REPORTS/deliveries.jsonl; and the approval step of a scheduled run
(pause for the approver's name and meaning as flow-run input, record it, deliver)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from prefect import Task, flow, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from prefect.runtime import flow_run

from tasks.config import load_settings
from tasks.deliver.approval import DEFAULT_MEANING, approve, require_approved
from tasks.deliver.channels import Channel, open_channel
from tasks.deliver.log import DeliveryLog, LogLine
from tasks.deliver.plan import Job, plan_deliveries
from tasks.deliver.send import Outcome, require_sent, send_copy
from tasks.operation import Delivery

P = ParamSpec("P")
R = TypeVar("R")


def thin(name: str, task_run_name: str | None = None) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task named `name` that neither caches nor persists its result."""
    return task(name=name, task_run_name=task_run_name, cache_policy=NO_CACHE,
                persist_result=False)
APPROVAL_POLL_SECONDS = 10            # how often a paused run looks for its approval


class ApprovalInput(RunInput):
    """What the approver enters in the Prefect UI to resume a paused monthly-cut run."""
    by: str
    meaning: str = DEFAULT_MEANING


@thin(name="check-approval")
def check_approval(version_dir: Path, log: DeliveryLog) -> LogLine:
    return require_approved(version_dir, log.read())


@thin(name="plan-deliveries")
def plan(version_dir: Path, settings: Delivery, audience: str, log: DeliveryLog,
         resend: bool) -> list[Job]:
    return plan_deliveries(version_dir, settings, audience, log.read(), resend)


@thin(name="send-copy", task_run_name="send-{job.audience}-copy")
def send(job: Job, channel: Channel, log: DeliveryLog) -> Outcome:
    return send_copy(job, channel, log)


@thin(name="record-approval")
def record_approval(version_dir: Path, by: str, meaning: str, via: str) -> LogLine:
    return approve(version_dir, by, meaning, via=via)


@flow(name="deliver-report", log_prints=True)
def deliver_report(version_dir: str, audience: str = "all", config_file: str | None = None,
                   resend: bool = False) -> list[str]:
    """Deliver an approved version; returns where each copy went. Fails, naming server and
    recipient, when a copy could not be sent (run it again: only what is missing goes out)."""
    settings = load_settings(config_file).operation.delivery
    version = Path(version_dir).resolve()
    log = DeliveryLog.of_version(version)
    check_approval(version, log)
    jobs = plan(version, settings, audience, log, resend)
    channel = open_channel(settings)
    outcomes = [send(job, channel, log) for job in jobs]
    lines = [o.describe() for o in outcomes] or ["nothing missing: every copy was delivered"]
    create_markdown_artifact(key="delivery",
                             description=f"Delivery of {version.parent.name}/{version.name}",
                             markdown="# Delivery\n\n" + "".join(f"- {line}\n" for line in lines))
    require_sent(outcomes)
    return [str(o.line.destination) for o in outcomes if o.line is not None]


def await_approval_then_deliver(version_dir: str, delivery: Delivery,
                                config_file: str | None) -> list[str]:
    """Inside a flow run: pause until someone resumes it with their name and meaning (Prefect UI
    or API), record that approval, deliver to every audience. A run not resumed in
    delivery.approval_timeout_hours fails; the version stays published and can be approved and
    delivered by hand (`interim approve`, `interim deliver`)."""
    approval = pause_flow_run(
        wait_for_input=ApprovalInput.with_initial_data(
            description=f"Approve {version_dir} for delivery: your name and what the approval "
                        "means."),
        timeout=int(delivery.approval_timeout_hours * 3600),
        poll_interval=APPROVAL_POLL_SECONDS)
    record_approval(Path(version_dir), approval.by, approval.meaning,
                    via=f"prefect flow run {flow_run.id}")
    return deliver_report(version_dir=version_dir, audience="all", config_file=config_file)
