"""All ADaM datasets of a cut in dependency order, and their Parquet copy for re-use."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
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

# The cut's domains read by the last two datasets, and by nothing after the others are made:
# every other domain is let go before ADAE, AE and SUPPAE before ADLB (adam_datasets).
ADAE_DOMAINS = ("ae", "suppae")
ADLB_DOMAINS = ("lb",)
LATE_DOMAINS = ADAE_DOMAINS + ADLB_DOMAINS


def adam_datasets(cut: Cut, cfg: TrialConfig,
                  keep: Collection[str] | None = None) -> Iterator[tuple[str, pd.DataFrame]]:
    """(name, dataset) of every dataset of the cut, each as it is made: ADSL and ADRS first (the
    others read them, so they are kept), then one at a time, ADAE (with the ADEXREC made before
    it) and ADLB last. `keep`: None leaves the cut whole; else the cut's domains are let go as
    soon as no later dataset reads them (all but LATE_DOMAINS before ADAE, ADAE's before ADLB,
    LB once ADLB has selected its records), except those in `keep`."""
    def let_go(all_but: Collection[str]) -> None:
        if keep is not None:
            cut.let_go([d for d in cut.domains if d not in all_but and d not in keep])
        release_unused_memory()

    adsl = build_adsl(cut, cfg)
    yield "adsl", adsl
    adrs = build_adrs(adsl, cut, cfg)
    yield "adrs", adrs
    builders: dict[str, Callable[[], pd.DataFrame]] = {
        "adtte": lambda: build_adtte(adsl, adrs, cut, cfg),
        "adex": lambda: build_adex(adsl, cut, cfg), "adtr": lambda: build_adtr(adsl, cut, cfg),
        "adcm": lambda: build_adcm(adsl, cut, cfg)}
    for name, build in builders.items():
        release_unused_memory()          # the last dataset's intermediates, before the next's
        yield name, build()
    doses = build_adexrec(adsl, cut.get("ex"), cfg)
    yield "adexrec", doses
    let_go(LATE_DOMAINS)
    yield "adae", build_adae(adsl, cut, cfg, doses=doses)
    del doses
    let_go(ADLB_DOMAINS)
    yield "adlb", build_adlb(adsl, cut, cfg, let_go_lb=keep is not None and "lb" not in keep)


def build_adam(cut: Cut, cfg: TrialConfig) -> Adam:
    """Every dataset of the cut."""
    return Adam(**dict(adam_datasets(cut, cfg)))


def save_adam(datasets: Iterable[tuple[str, pd.DataFrame]], folder: Path) -> None:
    """Write each (name, dataset) into the cache folder as it comes (the folder is complete or
    not there: tasks.cache). Given adam_datasets, each dataset is let go once written, before
    the next is made: the derivation never holds them all (20,000 subjects: ADAE alone is
    half a gigabyte)."""
    def write(partial: Path) -> None:
        for name, frame in datasets:
            release_unused_memory()      # what making it freed, before its Arrow copy is made
            frame.to_parquet(partial / f"{name}.parquet", index=False)
            del frame                    # not held while the next dataset is made
    write_folder(folder, write)


def load_adam(folder: Path, columns: dict[str, list[str]] | None = None) -> Adam | None:
    """The datasets of a complete cache folder (only `columns` of those it names), or None when
    it is missing or incomplete."""
    if not is_complete(folder):
        return None
    frames = {}
    for name in ADAM_DATASETS:
        frames[name] = pd.read_parquet(folder / f"{name}.parquet",
                                       columns=(columns or {}).get(name))
        release_unused_memory()      # the Arrow table it was converted from, before the next
    return Adam(**frames)
