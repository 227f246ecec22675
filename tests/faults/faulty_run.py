"""`interim run` with a fault injected, run as its own process by the fault tests:

    python faulty_run.py --kill-at STAGE -- run --cutoff ... (the interim arguments)
    python faulty_run.py --rendezvous DIR --parties 2 -- run --cutoff ...

--kill-at ingest|derive|render|publish: the process kills itself with SIGKILL (as `kill -9` or
the OOM killer would) in the middle of that stage: after reading the second file of the cut;
while deriving the ADaM (even when they are cached); after writing half a PDF into the staging
folder; after the manifest is written and fsync'ed, just before the rename that publishes.
--rendezvous DIR: wait for the other runs (--parties) right before reserving a version number
and again right before publishing, so that all of them hold a reservation at the same time.
--stub-render: write a blank one-page PDF with the attachments instead of laying out the closed PDF
(seconds saved where the PDFs are not what a test is about).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

import flows.steps as steps
import tasks.ingest.read as ingest_read
import tasks.publish.versions as versions
from flows.cli import app

STAGES = ("ingest", "derive", "render", "publish")


def replace(owner: object, name: str, value: object) -> None:
    """owner.name = value, for a name that owner has: a renamed function must not leave the
    fault silently uninjected."""
    if not hasattr(owner, name):
        raise SystemExit(f"faulty_run: {owner!r} has no {name!r} to replace")
    setattr(owner, name, value)


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at(stage: str) -> None:
    if stage == "ingest":
        real_read, calls = ingest_read.read_bytes, []

        def read_bytes(folder, name, source):
            calls.append(name)
            if len(calls) == 2:
                die()
            return real_read(folder, name, source)
        replace(ingest_read, "read_bytes", read_bytes)
    elif stage == "derive":
        # derive even if cached
        replace(steps, "derive_adam", steps.derive_adam.with_options(refresh_cache=True))
        replace(steps, "adam_datasets", lambda *args, **kwargs: die())
    elif stage == "render":
        def render_pdfs(jobs):
            jobs[0].path.write_bytes(b"%PDF-1.7\n% half a report")
            die()
        replace(steps, "render_pdfs", render_pdfs)
    elif stage == "publish":
        real_fsync = versions._fsync_tree

        def fsync_tree(folder, syncing=None):
            real_fsync(folder, syncing)
            die()
        replace(versions, "_fsync_tree", fsync_tree)
    else:
        raise SystemExit(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")


def stub_render(set_attribute: Callable[[object, str, object], None] = replace) -> None:
    """A one-page blank PDF with the closed report's attachments instead of the laid-out closed
    report, which is not laid out either (the short open report is: verify reads its captions).
    `set_attribute`: a test's monkeypatch.setattr, undone after it; replace in this script."""
    from pypdf import PdfWriter

    real_lay_out, real_render = steps.lay_out, steps.render_pdfs

    def lay_out(documents, pdfa):
        real_lay_out([document for document in documents if document.kind == "open"], pdfa)

    def render_pdfs(jobs):
        real_render([job for job in jobs if job.document.kind == "open"])
        for job in jobs:
            if job.document.kind == "open":
                continue
            writer = PdfWriter()
            writer.add_blank_page(595, 842)
            for name, data in sorted(job.attachments.items()):
                writer.add_attachment(name, data)
            with open(job.path, "wb") as fh:
                writer.write(fh)
    set_attribute(steps, "lay_out", lay_out)
    set_attribute(steps, "render_pdfs", render_pdfs)


def meet(folder: Path, step: str, parties: int, timeout: float = 120) -> None:
    """Wait until `parties` processes have reached `step` (a file each in `folder`)."""
    (folder / f"{step}-{os.getpid()}").touch()
    deadline = time.monotonic() + timeout
    while len(list(folder.glob(f"{step}-*"))) < parties:
        if time.monotonic() > deadline:
            raise SystemExit(f"rendezvous {step}: the other runs did not come within {timeout} s")
        time.sleep(0.05)


def rendezvous(folder: Path, parties: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    real_reserve, real_publish = steps.reserve_version, versions.Reservation.publish

    def reserve_version(*args, **kwargs):
        meet(folder, "reserve", parties)
        return real_reserve(*args, **kwargs)

    def publish(self, manifest_extra, hashed=None):
        meet(folder, "publish", parties)
        return real_publish(self, manifest_extra, hashed)
    replace(steps, "reserve_version", reserve_version)
    replace(versions.Reservation, "publish", publish)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-at", choices=STAGES)
    parser.add_argument("--rendezvous", type=Path)
    parser.add_argument("--parties", type=int, default=2)
    parser.add_argument("--stub-render", action="store_true")
    own, interim_args = parser.parse_known_args()
    if interim_args and interim_args[0] == "--":
        interim_args = interim_args[1:]
    if own.stub_render:
        stub_render()
    if own.kill_at:
        kill_at(own.kill_at)
    if own.rendezvous:
        rendezvous(own.rendezvous, own.parties)
    # No flow-run heartbeats (nothing watches them in the tests): Prefect 3.9 waits up to 1 s
    # per flow run for the heartbeat thread at the end of the run.
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        app(interim_args, prog_name="interim")


if __name__ == "__main__":
    main()
