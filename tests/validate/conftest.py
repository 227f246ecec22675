"""Makes tests/ingest/cutkit.py (tiny hand-made cuts) importable as `cutkit`; the trial config."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))

from cutkit import tiny_config, tiny_source  # noqa: E402


@pytest.fixture(scope="session")
def cfg():
    return tiny_config()


@pytest.fixture(scope="session")
def source():
    return tiny_source()
