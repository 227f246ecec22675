"""Shared test set-up. Prefect's embedded server starts once per session, and only for the few
end-to-end tests that request it (the statistics are tested as plain functions)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from flows.cli import app

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

# Hypothesis's 200 ms deadline per example fails a test on timing alone when both cores are busy
# (a date test took 289 ms once under the suite's load, 57 ms when repeated): no deadline, for
# every property test of the suite.
settings.register_profile("interim", deadline=None)
settings.load_profile("interim")

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO.parent / "shared" / "reference" / "pharmaverse"


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory):
    """A private Prefect API (SQLite under a temporary PREFECT_HOME) for the whole session."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # The first start migrates a new database: generous timeout (known CI flake otherwise).
    # No flow-run heartbeats: nothing watches them here, and Prefect 3.9 waits up to 1 s for the
    # heartbeat thread at the end of every flow run.
    with prefect_test_harness(server_startup_timeout=180), \
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield home


@pytest.fixture
def api_env(prefect_harness) -> dict[str, str]:
    """Environment of a child process that talks to the session's Prefect API server."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}


PILOT_CUTOFF = "2099-12-31"
PILOT_CUT_FILES = {"dm.csv": "dm.csv", "ds.csv": "ds.csv", "ex.csv": "ex.csv", "ae.csv": "ae.csv",
                   "suppae.csv": "suppae.csv", "lb.csv.gz": "lb.csv.gz", "sv.csv": "sv.csv",
                   "rs_onco_recist.csv": "rs.csv", "tu_onco_recist.csv": "tu.csv",
                   "tr_onco_recist.csv": "tr.csv"}


def write_pilot_cut(cuts: Path) -> Path:
    """The CDISC pilot as the complete data cut cuts/2099-12-31 (reference README's recipe)."""
    import shutil

    cut = cuts / PILOT_CUTOFF
    cut.mkdir(parents=True)
    for source, target in PILOT_CUT_FILES.items():
        shutil.copyfile(SHARED_REFERENCE / "sdtm" / source, cut / target)
    (cut / "_READY").touch()
    return cuts


@pytest.fixture
def pilot_cuts(tmp_path: Path) -> Path:
    """A data-cut root holding the CDISC pilot's cut (PILOT_CUTOFF)."""
    if not SHARED_REFERENCE.exists():
        pytest.skip("../shared/reference not beside the repository")
    return write_pilot_cut(tmp_path / "pilot-cuts")


@pytest.fixture(scope="session")
def pharmaverse_published(prefect_harness, tmp_path_factory) -> Path:
    """The CDISC pilot run through the whole flow as a data cut (reference README's recipe), with
    tests/reference/pharmaverse.yaml; the published version folder."""
    if not SHARED_REFERENCE.exists():
        pytest.skip("../shared/reference not beside the repository")
    root = tmp_path_factory.mktemp("pharmaverse")
    write_pilot_cut(root / "cuts")
    result = CliRunner().invoke(app, ["run", "--cutoff", "2099-12-31", "--source",
                                      str(root / "cuts"), "--reports", str(root / "reports"),
                                      "--config",
                                      str(REPO / "tests" / "reference" / "pharmaverse.yaml")])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


SIMULATED_CUTOFFS = ("2026-08-31", "2026-10-31")
# The independent statistician's summary in each simulated cut folder: closed content only.
NARRATIVE = ("The independent statistician asks the DSMB to discuss *the deaths of unknown "
             "cause*.\n\n<b>No markup</b> [no link](http://example.invalid/)\n")


@pytest.fixture(scope="session")
def simulated_published(prefect_harness, tmp_path_factory) -> tuple[Path, Path]:
    """Two consecutive cuts of one simulated trial, each run through the flow: the later cut
    corrects an AE grade and drops an RS record of the earlier one. Returns (cuts root, the
    later cut's published version). The earlier version's closed PDF is a placeholder: the
    tests read that version's results and files as the previous cut, never its closed report."""
    from tests.faults.faulty_run import stub_render

    root = tmp_path_factory.mktemp("e2e")
    cuts, reports = root / "cuts", root / "reports"
    for cutoff, scenario in zip(SIMULATED_CUTOFFS, ("clean", "correction")):
        result = CliRunner().invoke(app, ["simulate", "--out", str(cuts), "--cutoff", cutoff,
                                          "--subjects", "40", "--scenario", scenario])
        assert result.exit_code == 0, result.output
        (cuts / cutoff / "narrative.md").write_text(NARRATIVE, encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            if cutoff != SIMULATED_CUTOFFS[-1]:
                stub_render(patch.setattr)
            result = CliRunner().invoke(app, ["run", "--cutoff", cutoff, "--source", str(cuts),
                                              "--reports", str(reports),
                                              "--reason", "end-to-end test"])
        assert result.exit_code == 0, result.output
    return cuts, Path(result.stdout.strip().splitlines()[-1])


SHARED_RUNS = ("simulated_published", "pharmaverse_published")


def pytest_itemcollected(item: pytest.Item) -> None:
    """Under pytest-xdist, every test that reads a shared published run goes to one worker, so
    each run is made once per suite, not once per worker (pytest-xdist 3.8 names a test's group
    by rewriting item._nodeid, which pytest 9 no longer reads: hence pytest 8.4.2, pinned). A
    run looked up by name inside a fixture is not among the test's fixture names: such a test
    is marked shared_run."""
    if (set(SHARED_RUNS) & set(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("shared_run")):
        item.add_marker(pytest.mark.xdist_group("published-runs"))
