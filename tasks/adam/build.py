"""All ADaM datasets of a cut in dependency order, and their Parquet copy for re-use."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from tasks.adam.adae import build_adae
from tasks.adam.adcm import build_adcm
from tasks.adam.adex import build_adex
from tasks.adam.adexrec import build_adexrec
from tasks.adam.adlb import build_adlb
from tasks.adam.adrs import build_adrs
from tasks.adam.adsl import build_adsl
from tasks.adam.adtte import build_adtte
from tasks.adam.recist import build_adtr
from tasks.config import TrialConfig
from tasks.model import ADAM_DATASETS, Adam, Cut

COMPLETE_MARKER = "_COMPLETE"


def build_adam(cut: Cut, cfg: TrialConfig) -> Adam:
    adsl = build_adsl(cut, cfg)
    adrs = build_adrs(adsl, cut, cfg)
    return Adam(adsl=adsl, adrs=adrs, adtte=build_adtte(adsl, adrs, cut, cfg),
                adae=build_adae(adsl, cut, cfg), adex=build_adex(adsl, cut, cfg),
                adlb=build_adlb(adsl, cut, cfg), adtr=build_adtr(adsl, cut, cfg),
                adexrec=build_adexrec(adsl, cut.get("ex"), cfg), adcm=build_adcm(adsl, cut, cfg))


def adam_cache_folder(key: str) -> Path:
    """Where the ADaM of one cache key are kept: under PREFECT_HOME, beside Prefect's own cache."""
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    return home / "interim-cache" / "adam" / key


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def save_adam(adam: Adam, folder: Path) -> None:
    """Write every dataset, then the completion marker (a half-written folder is never read).
    Partial folders of this key left by killed runs are removed first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f"{folder.name}.partial-*"):
        owner = stale.name.rsplit("-", 1)[-1]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(stale, ignore_errors=True)
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    for name, frame in adam.frames().items():
        frame.to_parquet(partial / f"{name}.parquet", index=False)
    (partial / COMPLETE_MARKER).touch()
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)


def load_adam(folder: Path) -> Adam | None:
    """The datasets of a complete cache folder, or None when it is missing or incomplete."""
    if not (folder / COMPLETE_MARKER).is_file():
        return None
    return Adam(**{name: pd.read_parquet(folder / f"{name}.parquet") for name in ADAM_DATASETS})
