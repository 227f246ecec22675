"""Fixtures of the fault tests: a clean cut to run, and the environment that lets a separate
`interim` process use the session's Prefect API (instead of starting its own)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_corpus_script():
    """tests/data/bad_cuts/make_bad_cuts.py: its clean base cut is the cut these tests run."""
    path = REPO / "tests" / "data" / "bad_cuts" / "make_bad_cuts.py"
    spec = importlib.util.spec_from_file_location("make_bad_cuts", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def clean_root(tmp_path: Path) -> Path:
    """A data-cut root holding one clean, complete cut (3 subjects) of 2026-10-31."""
    load_corpus_script().write_base(tmp_path / "cuts")
    return tmp_path / "cuts"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """The CLI's error console wraps at its width (80 when not a terminal): keep paths whole."""
    monkeypatch.setenv("COLUMNS", "400")

