"""A real Prefect server and process worker on loopback, as a trial team runs them (README,
"Running on a Prefect server with workers"): `prefect server start` (SQLite), a process work pool,
`prefect deploy --all` from prefect.yaml, `prefect worker start`; interim-analysis triggered with
parameters through the REST API publishes a version whose manifest names the server's flow run.
Everything started here is stopped here (process groups, in finally blocks)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CUTOFF = "2026-10-31"
RUN_TIMEOUT = 240
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path, cwd: Path = REPO) -> Iterator[subprocess.Popen]:
    """A child in its own process group; on leaving, SIGTERM to the group, SIGKILL after 15 s."""
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
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


def _wait_healthy(api: str, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
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
                          text=True, timeout=120)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _deployment(api: str, flow: str, name: str) -> dict:
    response = httpx.get(f"{api}/deployments/name/{flow}/{name}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for_run(api: str, run_id: str, worker: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        run = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()
        if run["state_type"] in TERMINAL:
            return run
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"flow run {run_id} not finished within {RUN_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def test_server_worker_and_deployments_publish_a_version(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
           "INTERIM_PROJECT_DIR": str(REPO)}
    source, reports = tmp_path / "cuts", tmp_path / "reports"
    # the smallest clean cut there is (3 subjects): this test is about the server, not the data
    done = subprocess.run([sys.executable, str(REPO / "tests" / "data" / "bad_cuts" / "make_bad_cuts.py"),
                           "--base", str(source)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    with _process([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                  env, tmp_path / "server.log") as server:
        _wait_healthy(api, server, tmp_path / "server.log")
        _prefect(env, "work-pool", "create", "interim", "--type", "process")
        # the worker starts (a few seconds) while the deployments are made
        with _process([str(BIN / "prefect"), "worker", "start", "--pool", "interim"], env,
                      tmp_path / "worker.log") as worker:
            _prefect(env, "--no-prompt", "deploy", "--all")
            monthly = _deployment(api, "monthly-cut", "monthly-cut")
            schedule = yaml.safe_load((REPO / "config" / "defaults.yaml").read_text())["schedule"]
            assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"])
                    for s in monthly["schedules"]] == [(schedule["cron"], schedule["timezone"], True)]
            assert monthly["work_pool_name"] == "interim"
            analysis = _deployment(api, "interim-analysis", "interim-analysis")
            assert _deployment(api, "deliver-report", "deliver-report")["parameters"] == \
                {"audience": "all", "resend": False}

            parameters = {"cutoff": CUTOFF, "reason": "server test", "source": str(source),
                          "reports": str(reports)}
            response = httpx.post(f"{api}/deployments/{analysis['id']}/create_flow_run",
                                  json={"parameters": parameters}, timeout=10)
            assert response.status_code == 201, response.text
            run = _wait_for_run(api, response.json()["id"], worker, tmp_path / "worker.log")
            assert run["state_type"] == "COMPLETED", (tmp_path / "worker.log").read_text()[-5000:]

    version = reports / CUTOFF / "v1"
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["flow_run_id"] == run["id"]
    assert manifest["reason"] == "server test"
    assert (version / "report-closed.pdf").read_bytes().startswith(b"%PDF")
    done = subprocess.run([str(BIN / "interim"), "verify", str(version)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
