"""The temporary local Prefect server of a command run without PREFECT_API_URL (`interim run` on
Prefect's embedded default), started here rather than by Prefect. Prefect's own starter
(SubprocessASGIServer) lives in the module of the API server, so importing it brings the whole
server (FastAPI, SQLAlchemy, every route: 80 MB and 2 s of imports) into the command's process,
which only talks to it; this is the same server, started by the same command, and stopped the
same way when the process ends.

The server takes longer to answer than the command's imports take (6 s against 4 s here), so it is
started first, before Prefect's settings are read (1.5 s of imports): unless the environment names
a server, it starts at once, and is stopped again if the settings (a profile, prefect.toml) name
one. It reads the settings from the same environment and files as this process."""
from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tasks.errors import InterimError

STOP_SECONDS = 5          # as Prefect: then the server is killed
POLL_SECONDS = 0.1
HOST = "127.0.0.1"
# where `prefect` is imported from, found without importing it
_PREFECT_PARENT = Path(str(importlib.util.find_spec("prefect").origin)).parents[1]  # type: ignore[union-attr]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """A Prefect API server in a subprocess on a free loopback port."""

    def __init__(self) -> None:
        self.port = _free_port()
        # Prefect's ephemeral mode (no UI, the server's own services only), as Prefect starts it
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(_PREFECT_PARENT),
             "--factory", "prefect.server.api.server:create_app", "--host", HOST,
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"], env=env)
        atexit.register(self.stop)

    @classmethod
    def start_early(cls) -> EmbeddedServer | None:
        """Started now unless the environment names a server (PREFECT_API_URL); `if_needed`
        then says whether Prefect's settings want it."""
        return None if os.environ.get("PREFECT_API_URL") else cls()

    def if_needed(self) -> EmbeddedServer | None:
        """This server when Prefect would start a temporary server at the first flow run (no
        API URL in its settings, ephemeral mode allowed); else stopped, and None."""
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            self.stop()
            return None
        return self

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}/api"

    def wait_until_healthy(self) -> str:
        """The API URL once the server answers its health check (its first start on a machine
        migrates the database: PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)."""
        import httpx
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    code = None if self.process is None else self.process.returncode
                    raise InterimError(f"the temporary Prefect server on port {self.port} ended "
                                       f"(exit code {code}) before it answered; run again")
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return self.api_url
                except httpx.TransportError:
                    pass
                time.sleep(POLL_SECONDS)
        self.stop()
        raise InterimError(f"the temporary Prefect server on port {self.port} did not answer "
                           f"within {PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

