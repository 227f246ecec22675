"""The environment of a child `python -m tasks....` process (the PDF workers, the patient
profiles' process): this package first on its path, so the child imports the same `tasks` as
its parent, from a source checkout or an installed wheel alike."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]   # where `tasks` is imported from


def module_env() -> dict[str, str]:
    """os.environ with PACKAGE_ROOT put before any PYTHONPATH it has."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
