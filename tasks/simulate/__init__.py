"""The synthetic trial of `interim simulate`: seeded SDTM data cuts of the configured study.

`simulate_trial` draws the whole history (cutoff-free); `simulate_cut` is the database as it
stood at a cutoff (a later cut of the same seed extends an earlier one), with a scenario's
problems planted; `write_cut` writes it as ROOT/YYYY-MM-DD/<domain>.csv plus the ready marker.

The study (arms, drugs, rules) comes from the analysis config, the trial's course from the
config's `simulation:` part. Scale: the enrolment period is sim.enrolment_months whatever the
number of subjects, and the history runs sim.follow_up_months past it; a cutoff at or after
`study_end_date(sim)` sees every subject's full follow-up (5,000 subjects: about 100,000 AE and
900,000 LB rows).

A trial of more than CHUNK_SUBJECTS subjects is simulated in parts of that many (simulate_parts,
written one after the other by write_parts): 20,000 subjects at once took 6 GB. Part k is the
trial of its subjects drawn with part_seed(seed, k) (part 0: the seed itself, so a trial of up to
CHUNK_SUBJECTS subjects is one part and the same as ever); its subjects are numbered on from the
parts before; a scenario's problems are planted in part 0.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd

from tasks.config import Simulation, TrialConfig
from tasks.simulate.course import study_end
from tasks.simulate.cut import cut_history
from tasks.simulate.scenarios import SCENARIOS, apply_scenario
from tasks.simulate.trial import DOMAINS, simulate_trial
from tasks.simulate.write import write_cut, write_parts

DEFAULT_SUBJECTS = 40
DEFAULT_SEED = 20261
DEFAULT_SCENARIO = "clean"
CHUNK_SUBJECTS = 5_000         # subjects simulated at once: about 1.5 GB

__all__ = ["CHUNK_SUBJECTS", "DEFAULT_SCENARIO", "DEFAULT_SEED", "DEFAULT_SUBJECTS", "DOMAINS",
           "SCENARIOS", "part_seed", "simulate_cut", "simulate_parts", "simulate_trial",
           "study_end_date", "write_cut", "write_parts"]


def simulate_cut(cfg: TrialConfig, sim: Simulation, cutoff: date,
                 subjects: int = DEFAULT_SUBJECTS, seed: int = DEFAULT_SEED,
                 scenario: str = DEFAULT_SCENARIO) -> dict[str, pd.DataFrame]:
    """The trial's database at `cutoff` (every domain as text frames) with `scenario`'s
    problems planted (SCENARIOS): the parts of simulate_parts as one."""
    parts = list(simulate_parts(cfg, sim, cutoff, subjects, seed, scenario))
    if len(parts) == 1:
        return parts[0]
    return {name: pd.concat([part[name] for part in parts], ignore_index=True)
            for name in parts[0]}


def simulate_parts(cfg: TrialConfig, sim: Simulation, cutoff: date,
                   subjects: int = DEFAULT_SUBJECTS, seed: int = DEFAULT_SEED,
                   scenario: str = DEFAULT_SCENARIO) -> Iterator[dict[str, pd.DataFrame]]:
    """simulate_cut's database part by part, CHUNK_SUBJECTS subjects each (module docstring):
    one part in memory at a time."""
    if scenario not in SCENARIOS:
        apply_scenario({}, scenario, cutoff, seed)     # raises: names the scenarios
    numbered: Counter[str] = Counter()
    for k, first in enumerate(range(0, subjects, CHUNK_SUBJECTS)):
        trial = simulate_trial(cfg, sim, min(CHUNK_SUBJECTS, subjects - first),
                               part_seed(seed, k), numbered)
        numbered.update(trial["dm"]["SITEID"])       # DM: every consented subject
        cut = cut_history(trial, cutoff)
        del trial                                    # the history of the part: let go
        yield apply_scenario(cut, scenario, cutoff, seed) if k == 0 else cut


def part_seed(seed: int, part: int) -> int:
    """The seed of part `part` of a trial (simulate_parts): the seed itself for part 0; the
    others apart from every seed below 2**32."""
    return seed + part * 2 ** 32


def study_end_date(sim: Simulation) -> date:
    """The last day of the simulated trial: end of enrolment + sim.follow_up_months."""
    return pd.Timestamp(np.datetime64(int(study_end(sim)), "D")).date()
