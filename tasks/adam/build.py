"""All ADaM datasets of a cut in dependency order, and their Parquet copy for re-use."""
from __future__ import annotations

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
from tasks.cache import is_complete, write_folder
from tasks.config import TrialConfig
from tasks.memory import release_unused_memory
from tasks.model import ADAM_DATASETS, Adam, Cut


def build_adam(cut: Cut, cfg: TrialConfig) -> Adam:
    adsl = build_adsl(cut, cfg)
    adrs = build_adrs(adsl, cut, cfg)
    return Adam(adsl=adsl, adrs=adrs, adtte=build_adtte(adsl, adrs, cut, cfg),
                adae=build_adae(adsl, cut, cfg), adex=build_adex(adsl, cut, cfg),
                adlb=build_adlb(adsl, cut, cfg), adtr=build_adtr(adsl, cut, cfg),
                adexrec=build_adexrec(adsl, cut.get("ex"), cfg), adcm=build_adcm(adsl, cut, cfg))


def save_adam(adam: Adam, folder: Path) -> None:
    """Write every dataset into the cache folder (complete or not there: tasks.cache)."""
    def write(partial: Path) -> None:
        for name, frame in adam.frames().items():
            frame.to_parquet(partial / f"{name}.parquet", index=False)
    write_folder(folder, write)


def load_adam(folder: Path) -> Adam | None:
    """The datasets of a complete cache folder, or None when it is missing or incomplete."""
    if not is_complete(folder):
        return None
    adam = Adam(**{name: pd.read_parquet(folder / f"{name}.parquet") for name in ADAM_DATASETS})
    release_unused_memory()          # the Arrow tables the frames were converted from
    return adam
