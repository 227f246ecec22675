"""The `interim` command line: simulate, validate, run, verify, design simon, approve, deliver,
trace, deliveries.

Paths typed on the command line are relative to the user's working folder: they are made absolute
here, before any flow runs. Tables print as rich tables on a terminal, as plain lines elsewhere."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar, overload

# Prefect reads its settings at import: keep the console for interim's own messages.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
# A failed run's traceback is for the Prefect UI and logs, not for the CLI's user, who gets one
# clear message (the run's state and logs still record it).
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "CRITICAL")
if os.environ.get("PREFECT_HOME"):    # Prefect does not create a missing parent folder itself
    os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
# The embedded server's first start on a new machine migrates its database: allow for it.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402

from tasks.errors import InterimError, ValidationFailed  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="From an SDTM data cut to a versioned DSMB interim report.")
design_app = typer.Typer(no_args_is_help=True, help="Trial design calculations.")
app.add_typer(design_app, name="design")
err = Console(stderr=True)
T = TypeVar("T")
CONFIG_HELP = "A config file merged over the trial's (default: $INTERIM_CONFIG, else none)."


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


@overload
def _here(path: Path | str) -> str: ...
@overload
def _here(path: None) -> None: ...
def _here(path: Path | str | None) -> str | None:
    """A path typed by the user, absolute against the working folder; an fsspec URL as it is."""
    from tasks.operation import local_or_url

    return local_or_url(str(path)) if path is not None else None


def _guarded(action: Callable[[], T]) -> T:
    """Run a command's work: an interim error becomes one message on stderr and exit 1."""
    try:
        return action()
    except ValidationFailed as exc:
        _print_findings(exc.findings)
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    except InterimError as exc:     # messages quote the data: never markup, never control codes
        from tasks.validate.present import visible
        err.print(f"[bold red]error:[/] {escape(visible(str(exc)))}", highlight=False,
                  soft_wrap=True)
    except Exception as exc:   # a defect or an environment failure: one line, details on request
        if os.environ.get("INTERIM_DEBUG"):
            raise
        err.print(f"[bold red]error:[/] unexpected {type(exc).__name__}: {escape(str(exc))}\n"
                  "Set INTERIM_DEBUG=1 to see the traceback.", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _print_findings(findings: list) -> None:
    from tasks.validate.present import FINDING_HEADERS, findings_rows, findings_title, print_table

    print_table(err, findings_title(findings), FINDING_HEADERS, findings_rows(findings))


@app.command()
def simulate(out: Path = typer.Option(...,
                                      help="Root folder of data cuts; writes OUT/YYYY-MM-DD/."),
             cutoff: str = typer.Option(..., help="Data cutoff date, YYYY-MM-DD."),
             subjects: int = typer.Option(40, min=1, help="Number of subjects screened."),
             seed: int = typer.Option(20261, help="Random seed: the same seed is the same trial."),
             scenario: str = typer.Option("clean",
                                          help="clean, partial-dates, messy, invalid, correction."),
             config: Path | None = typer.Option(None, help=CONFIG_HELP)) -> None:
    """Write a synthetic SDTM data cut of the trial."""
    from tasks.config import load_settings
    from tasks.simulate import SCENARIOS, simulate_parts, write_parts

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"unknown scenario {scenario!r}; one of: {', '.join(SCENARIOS)}",
                                 param_hint="--scenario")
    day = _date(cutoff)

    def work() -> Path:
        settings = load_settings(_here(config))
        with err.status(f"Simulating {subjects} subjects up to {day.isoformat()} ..."):
            parts = simulate_parts(settings.analysis, settings.simulation, day, subjects, seed,
                                   scenario)
            return write_parts(parts, Path(_here(out)), day,
                               settings.operation.source.ready_marker)
    folder = _guarded(work)
    typer.echo(str(folder))


@app.command()
def validate(cut_dir: str = typer.Argument(
                 ..., help="A cut folder ROOT/YYYY-MM-DD (path or fsspec URL)."),
             config: Path | None = typer.Option(None, help=CONFIG_HELP)) -> None:
    """Validate one data cut; print every problem; exit 1 on errors. Writes nothing."""
    from tasks.config import load_settings
    from tasks.ingest.read import read_cut
    from tasks.validate import validate_cut

    location = _here(cut_dir)
    name = location.rstrip("/").rsplit("/", 1)[-1]
    try:
        day = date.fromisoformat(name)
    except ValueError:
        raise typer.BadParameter(f"the cut folder's name {name!r} is not its cutoff date "
                                 "YYYY-MM-DD") from None

    def work() -> None:
        settings = load_settings(_here(config))
        cfg = settings.analysis
        cut = read_cut(location, day, cfg, settings.operation.source, require_ready=False)
        findings = validate_cut(cut, cfg)
        errors = sum(f.severity == "error" for f in findings)
        summary = (f"{len(cut.domains)} domains, {errors} error(s), "
                   f"{len(findings) - errors} warning(s)")
        if errors:     # _guarded prints the findings with the error
            raise ValidationFailed(findings, f"{cut_dir}: {summary}")
        if findings:
            _print_findings(findings)
        typer.echo(f"{cut_dir}: {summary}")
    _guarded(work)


@app.command()
def run(cutoff: str = typer.Option(..., help="Data cutoff date, YYYY-MM-DD."),
        source: str | None = typer.Option(None, help="Root of the data cuts (path or fsspec URL)."),
        config: Path | None = typer.Option(None, help=CONFIG_HELP),
        reports: Path | None = typer.Option(None,
                                            help="Reports root (default: the configured one)."),
        reason: str | None = typer.Option(
            None, help="Why this analysis is run (printed on the title page)."),
        final: bool = typer.Option(False, "--final", help="Mark this version final."),
        narrative: str | None = typer.Option(
            None, help="The independent statistician's summary (Markdown), shown as text on page 2 "
                       "of the closed report (default: narrative.md in the cut folder).")) -> None:
    """Run the interim-analysis flow for one cut and publish a new report version."""
    day = _date(cutoff)
    # Without PREFECT_API_URL the temporary server starts now (~6 s, in a subprocess), while the
    # flow's own imports run on the other core.
    from flows.embedded_server import EmbeddedServer
    early = EmbeddedServer.start_early()
    from flows.interim_analysis import interim_analysis
    server = early.if_needed() if early is not None else None

    def work() -> str:
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            temporary_settings,
        )

        started = datetime.now()
        embedded = {}
        if server is not None:
            # threads that Prefect starts without this settings context read the environment
            os.environ["PREFECT_API_URL"] = url = server.wait_until_healthy()
            # Heartbeats let a server notice a crashed run; the temporary server ends with this
            # process, so there they only cost the wait for their thread at the end of each run.
            embedded = {PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        with err.status(f"Interim analysis of the {day.isoformat()} cut: ingest, validate, derive, "
                        "analyse, render, publish ..."), temporary_settings(updates=embedded):
            folder = interim_analysis(cutoff=day, reason=reason, final=final,
                                      source=_here(source), config_file=_here(config),
                                      reports=_here(reports), narrative=_here(narrative))
        err.print(f"published in {(datetime.now() - started).total_seconds():.1f} s: "
                  f"{Path(folder) / 'report-closed.pdf'}")
        return folder
    typer.echo(_guarded(work))


@app.command()
def verify(version_dir: Path = typer.Argument(
        ..., help="A published version folder REPORTS/YYYY-MM-DD/vN.")) -> None:
    """Re-hash every file against the manifest; exit 1 on any mismatch."""
    from tasks.publish.verify import verify_version

    problems = verify_version(version_dir.resolve())
    for problem in problems:
        err.print(f"[red]✗[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if problems:
        err.print(f"[bold red]error:[/] {escape(str(version_dir))}: {len(problems)} problem(s)",
                  soft_wrap=True)
        raise typer.Exit(1)
    typer.echo(f"{version_dir}: every file matches its manifest")


@design_app.command("simon")
def design_simon(p0: float = typer.Option(..., min=0.0, max=1.0,
                                          help="Uninteresting response rate."),
                 p1: float = typer.Option(..., min=0.0, max=1.0, help="Target response rate."),
                 alpha: float = typer.Option(0.05, min=0.0, max=1.0,
                                             help="P(declare promising | p0)."),
                 beta: float = typer.Option(0.20, min=0.0, max=1.0,
                                            help="1 - P(declare promising | p1)."),
                 n_max: int = typer.Option(100, min=2, max=500,
                                           help="Largest total sample size searched."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Simon two-stage optimal and minimax designs."""
    from tasks.monitoring.simon import search_designs

    if not p0 < p1:
        raise typer.BadParameter("needs p0 < p1", param_hint="--p1")
    designs = _guarded(lambda: search_designs(p0, p1, alpha, beta, n_max))
    if as_json:
        typer.echo(json.dumps(designs, indent=2))
        return
    from tasks.validate.present import print_table

    rows = [(name, "none found", f"n <= {n_max}", "", "", "", "") if d is None else
            (name, f"{d['r1']}/{d['n1']}", f"{d['r']}/{d['n']}", f"{d['en0']:.2f}",
             f"{d['pet0']:.3f}", f"{d['alpha']:.4f}", f"{d['power']:.4f}")
            for name, d in designs.items()]
    print_table(Console(), f"Simon two-stage designs: p0={p0}, p1={p1}, alpha={alpha}, beta={beta}",
                ("design", "r1/n1", "r/n", "EN(p0)", "PET(p0)", "alpha", "power"), rows,
                justify="right")



# --- approval and delivery (docs/delivery.md) ----------------------------------------------------

VERSION_HELP = "A published version folder REPORTS/YYYY-MM-DD/vN."
REPORTS_HELP = "Reports root holding deliveries.jsonl (default: the configured one)."


def _reports_root(reports: Path | None, config: Path | None) -> Path:
    """The reports root whose deliveries.jsonl is meant: --reports, else the configured one."""
    from tasks.config import load_settings
    from tasks.operation import local_or_url

    return Path(_here(reports) or local_or_url(load_settings(_here(config)).operation.reports.root))


@app.command()
def approve(version_dir: Path = typer.Argument(..., help=VERSION_HELP),
            by: str = typer.Option(..., "--by", help="Name of the person approving (signature)."),
            meaning: str | None = typer.Option(
                None, help="What the approval means (default: approved for DSMB distribution).")
            ) -> None:
    """Record the electronic approval of a verified version for delivery."""
    from tasks.deliver.approval import DEFAULT_MEANING
    from tasks.deliver.approval import approve as record_approval

    line = _guarded(lambda: record_approval(version_dir, by, meaning or DEFAULT_MEANING))
    typer.echo(f"{line.version} approved by {line.by} ({line.os_user}@{line.host}) on {line.time}: "
               f"{line.meaning}; manifest sha256 {line.manifest_sha256}")


@app.command()
def deliver(version_dir: Path = typer.Argument(..., help=VERSION_HELP),
            audience: str = typer.Option("all", help="closed, open or all."),
            config: Path | None = typer.Option(None, help=f"{CONFIG_HELP} (`delivery:`)"),
            resend: bool = typer.Option(False, "--resend", help="Send a new copy also to "
                                        "recipients who have one (logged as resent).")) -> None:
    """Send each recipient of the audience a personal watermarked copy; only approved versions."""
    from tasks.deliver.plan import AUDIENCE_CHOICES

    if audience not in AUDIENCE_CHOICES:
        raise typer.BadParameter(f"unknown audience {audience!r}; one of: "
                                 f"{', '.join(AUDIENCE_CHOICES)}", param_hint="--audience")

    def work() -> None:
        from tasks.config import load_settings
        from tasks.deliver.send import deliver_version, require_sent
        from tasks.validate.present import visible

        settings = load_settings(_here(config)).operation.delivery
        with err.status(f"Delivering {version_dir} ({audience}) ..."):
            outcomes = deliver_version(version_dir, settings, audience, resend)
        for outcome in outcomes:
            typer.echo(visible(outcome.describe()))
        if not outcomes:
            typer.echo(f"{version_dir}: nothing missing, every recipient has a copy "
                       "(--resend to send again)")
        require_sent(outcomes)
    _guarded(work)


@app.command()
def trace(file: Path = typer.Argument(..., help="A delivered copy (PDF)."),
          reports: Path | None = typer.Option(None, help=REPORTS_HELP),
          config: Path | None = typer.Option(None, help=CONFIG_HELP)) -> None:
    """Name the version, audience and recipient of a delivered copy; exit 1 if it was changed."""
    from tasks.deliver.log import DeliveryLog
    from tasks.deliver.trace import trace_copy
    from tasks.validate.present import visible

    found = _guarded(lambda: trace_copy(file, DeliveryLog(_reports_root(reports, config))))
    typer.echo(visible(found.describe()))
    if not (found.delivered and found.identical):
        raise typer.Exit(1)


@app.command()
def deliveries(cutoff: str | None = typer.Option(None, help="Only versions of this cutoff."),
               reports: Path | None = typer.Option(None, help=REPORTS_HELP),
               config: Path | None = typer.Option(None, help=CONFIG_HELP)) -> None:
    """The delivery log: approvals, sends, failures and resends."""
    from tasks.deliver.log import DeliveryLog
    from tasks.deliver.present import COLUMNS, log_rows, select
    from tasks.validate.present import print_table

    day = _date(cutoff).isoformat() if cutoff else None
    log = _guarded(lambda: DeliveryLog(_reports_root(reports, config)))
    lines = select(_guarded(log.read), day)
    print_table(Console(), f"{log.path}: {len(lines)} line(s)", COLUMNS, log_rows(lines))
