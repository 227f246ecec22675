"""A Prefect server on PostgreSQL with two process workers, as a trial team runs it (README,
"Running on a Prefect server with workers"): PostgreSQL from Debian's package, a new cluster
made by initdb in a temporary folder and run by an unprivileged user on loopback; `prefect server
start` with PREFECT_API_DATABASE_CONNECTION_URL; a process work pool served by two workers;
`prefect deploy --all` from prefect.yaml; two interim-analysis runs at once, this trial's cut and
the pharmaverse pilot with its config file, triggered through the REST API; both published
versions name their server flow run and pass `interim verify`. Everything started here is
stopped here (process groups, in finally blocks)."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PILOT_CUTOFF = "2099-12-31"       # tests/conftest.py pilot_cuts
TRIAL_CUTOFF = "2026-10-31"
RUN_TIMEOUT = 300
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
UNPRIVILEGED = "nobody"        # initdb and postgres refuse to run as root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> Path | None:
    """Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return versions[-1].parent if versions else None


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path, cwd: Path = REPO,
             **kwargs) -> Iterator[subprocess.Popen]:
    """A child in its own process group; on leaving, SIGTERM to the group, SIGKILL after 15 s."""
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, **kwargs)
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


@contextmanager
def _postgres(bin_dir: Path, log: Path) -> Iterator[str]:
    """A new PostgreSQL cluster in a temporary folder, served on 127.0.0.1 by an unprivileged
    user (the current one unless that is root); yields the asyncpg URL of its database."""
    as_user = {"user": UNPRIVILEGED} if os.geteuid() == 0 else {}
    folder = Path(tempfile.mkdtemp(prefix="interim-pg-"))    # pytest's tmp is root's only
    try:
        if as_user:
            account = pwd.getpwnam(UNPRIVILEGED)
            os.chown(folder, account.pw_uid, account.pw_gid)
        data, port = folder / "data", _free_port()
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "HOME": str(folder)}
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "prefect", "-A", "trust",
                        "-E", "UTF8", "--locale=C", "--no-sync"], env=env, cwd=folder,
                       check=True, capture_output=True, timeout=120, **as_user)
        with _process([str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-c",
                       "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={folder}",
                       "-c", "fsync=off"], env, log, cwd=folder, **as_user) as server:
            deadline = time.monotonic() + 60
            while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                 capture_output=True).returncode != 0:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"PostgreSQL did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/postgres"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_healthy(api: str, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prefect server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy within {timeout} s:\n{log.read_text()[-3000:]}")


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _deployment(api: str, flow: str, name: str) -> dict:
    response = httpx.get(f"{api}/deployments/name/{flow}/{name}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for_runs(api: str, run_ids: list[str], workers: list[subprocess.Popen],
                   logs: list[Path]) -> list[dict]:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        runs = [httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json() for run_id in run_ids]
        if all(run["state_type"] in TERMINAL for run in runs):
            return runs
        for worker, log in zip(workers, logs):
            if worker.poll() is not None:
                pytest.fail(f"a worker exited ({worker.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"flow runs not finished within {RUN_TIMEOUT} s:\n"
                + "\n".join(log.read_text()[-2000:] for log in logs))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_postgresql_server_two_workers_run_two_studies_at_once(tmp_path, pilot_cuts):
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian: postgresql; `make` installs it)")
    trial, reports = tmp_path / "trial", tmp_path / "reports"
    done = subprocess.run([str(BIN / "interim"), "simulate", "--out", str(trial), "--cutoff",
                           TRIAL_CUTOFF, "--subjects", "12", "--seed", "20261"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"

    with _postgres(bin_dir, tmp_path / "postgres.log") as database:
        env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
               "PREFECT_API_DATABASE_CONNECTION_URL": database,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
               "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
               "INTERIM_PROJECT_DIR": str(REPO)}
        with _process([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                       "--port", str(port)], env, tmp_path / "server.log") as server:
            _wait_healthy(api, server, tmp_path / "server.log")
            _prefect(env, "work-pool", "create", "interim", "--type", "process")
            logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
            # one run at a time each: two runs at once need both workers; they start while the
            # deployments are made
            with _process([str(BIN / "prefect"), "worker", "start", "--pool", "interim",
                           "--name", "worker-1", "--limit", "1"], env, logs[0]) as first, \
                    _process([str(BIN / "prefect"), "worker", "start", "--pool", "interim",
                              "--name", "worker-2", "--limit", "1"], env, logs[1]) as second:
                _prefect(env, "--no-prompt", "deploy", "--all")
                monthly = _deployment(api, "monthly-cut", "monthly-cut")
                defaults = yaml.safe_load((REPO / "config" / "defaults.yaml").read_text())
                schedule = defaults["schedule"]
                assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"])
                        for s in monthly["schedules"]] == [(schedule["cron"], schedule["timezone"],
                                                            True)]
                assert monthly["work_pool_name"] == "interim"
                analysis = _deployment(api, "interim-analysis", "interim-analysis")
                assert _deployment(api, "deliver-report", "deliver-report")["parameters"] == \
                    {"audience": "all", "resend": False}
                studies = {
                    "trial": {"cutoff": TRIAL_CUTOFF, "reason": "server test", "source": str(trial),
                              "reports": str(reports / "trial")},
                    "pilot": {"cutoff": PILOT_CUTOFF, "reason": "server test",
                              "source": str(pilot_cuts), "reports": str(reports / "pilot"),
                              "config_file": str(REPO / "tests" / "reference"
                                                 / "pharmaverse.yaml")}}
                run_ids = []
                for parameters in studies.values():
                    response = httpx.post(f"{api}/deployments/{analysis['id']}/create_flow_run",
                                          json={"parameters": parameters}, timeout=10)
                    assert response.status_code == 201, response.text
                    run_ids.append(response.json()["id"])
                runs = _wait_for_runs(api, run_ids, [first, second], logs)
                assert [run["state_type"] for run in runs] == ["COMPLETED", "COMPLETED"], \
                    "\n".join(log.read_text()[-4000:] for log in logs)

    (trial_run, pilot_run) = runs
    assert (_time(trial_run["start_time"]) < _time(pilot_run["end_time"])
            and _time(pilot_run["start_time"]) < _time(trial_run["end_time"])), \
        "the two runs did not overlap"
    for (study, parameters), run in zip(studies.items(), runs):
        version = Path(parameters["reports"]) / parameters["cutoff"] / "v1"
        manifest = json.loads((version / "manifest.json").read_text())
        assert manifest["flow_run_id"] == run["id"] and manifest["reason"] == "server test"
        results = json.loads((version / "results.json").read_text())
        assert results["study"] == ("CDISCPILOT01" if study == "pilot" else "TQB2868-HAIC-201")
        done = subprocess.run([str(BIN / "interim"), "verify", str(version)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
