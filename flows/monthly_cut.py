"""The monthly-cut flow: wait (bounded) for the month's data cut to be complete, then analyse it."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.deliver_report import await_approval_then_deliver
from flows.interim_analysis import cut_location, interim_analysis
from tasks.config import load_settings
from tasks.errors import CutNotReadyError
from tasks.ingest.read import cut_is_ready
from tasks.operation import Source, local_or_url

SCHEDULED_REASON = "scheduled monthly cut"


def previous_month_end(now: datetime) -> date:
    """The cutoff of a monthly cut: the last day of the month before `now`."""
    return now.date().replace(day=1) - timedelta(days=1)


@task(name="wait-for-cut", cache_policy=NO_CACHE)
def require_complete_cut(location: str, source: Source) -> None:
    if not cut_is_ready(location, source):
        raise CutNotReadyError(f"the data cut {location} is not complete yet (no "
                               f"{source.ready_marker} marker)")


@flow(name="monthly-cut", log_prints=True)
def monthly_cut(cutoff: date | None = None, config_file: str | None = None,
                await_approval: bool = False) -> str:
    """Scheduled on the 1st of each month: analyse the cut of the previous month's last day.
    With `await_approval`, pause after publishing until approved (flow-run input), then deliver."""
    operation = load_settings(config_file).operation
    source = operation.source
    cutoff = cutoff or previous_month_end(datetime.now(ZoneInfo(operation.schedule.timezone)))
    location = cut_location(local_or_url(source.root), cutoff)
    waiting = require_complete_cut.with_options(retries=source.wait_retries,
                                                retry_delay_seconds=source.wait_interval_seconds)
    try:
        waiting(location, source)
    except CutNotReadyError as exc:
        waited = source.wait_retries * source.wait_interval_seconds
        message = (f"The data cut of {cutoff.isoformat()} did not arrive complete at {location} "
                   f"within {source.wait_retries} retries ({waited:g} s): {exc}. Nothing was "
                   "published. Ask data management to deliver the cut and write the "
                   f"{source.ready_marker} marker last, then run `interim run --cutoff "
                   f"{cutoff.isoformat()}` or rerun this flow.")
        create_markdown_artifact(key="missing-data-cut",
                                 markdown=f"# Data cut missing\n\n{message}\n",
                                 description=f"Data cut {cutoff.isoformat()} missing")
        raise CutNotReadyError(message) from None
    published = interim_analysis(cutoff=cutoff, reason=SCHEDULED_REASON, config_file=config_file,
                                 require_ready=True)
    if await_approval:
        await_approval_then_deliver(published, operation.delivery, config_file)
    return published
