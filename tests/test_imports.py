"""Nothing imported that a command does not use: `interim validate`, `verify` and `design` run
without Prefect, WeasyPrint or matplotlib (seconds of imports each); `run` lays out its PDFs in
worker processes, so even its own process never imports WeasyPrint."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("prefect", "weasyprint", "matplotlib")
PROBE = ("import json, sys\nfrom flows.cli import app\nsys.argv = ['interim', *sys.argv[1:]]\n"
         "try:\n    app()\nexcept SystemExit:\n    pass\n"
         f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n")


def _loaded(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ("validate", str(REPO / "tests" / "data" / "bad_cuts" / "wrong_type_age" / "2026-10-31")),
    ("verify", str(REPO / "tests" / "data" / "bad_cuts")),
    ("design", "simon", "--p0", "0.1", "--p1", "0.3")], ids=["validate", "verify", "design"])
def test_a_command_imports_no_prefect_weasyprint_or_matplotlib(args):
    assert _loaded(*args) == []


def test_the_run_holds_no_rtf_writer_before_it_writes_tables():
    """rtflite's polars (45 MB) is imported when the first RTF table is written: not beside the
    cut, the derivation and the analysis, the run's largest steps in memory."""
    code = ("import json, sys\nimport flows.interim_analysis\n"
            "print(json.dumps([m for m in ('polars', 'rtflite') if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
