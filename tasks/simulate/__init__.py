"""The synthetic trial of `interim simulate`: seeded SDTM data cuts of the configured study.

`simulate_trial` draws the whole history (cutoff-free); `simulate_cut` is the database as it
stood at a cutoff (a later cut of the same seed extends an earlier one), with a scenario's
problems planted; `write_cut` writes it as ROOT/YYYY-MM-DD/<domain>.csv plus the ready marker.

The study (arms, drugs, rules) comes from the analysis config, the trial's course from the
config's `simulation:` part. Scale: the enrolment period is sim.enrolment_months whatever the
number of subjects, and the history runs sim.follow_up_months past it; a cutoff at or after
`study_end_date(sim)` sees every subject's full follow-up (5,000 subjects: about 100,000 AE and
900,000 LB rows).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.config import Simulation, TrialConfig
from tasks.simulate.course import study_end
from tasks.simulate.cut import cut_history
from tasks.simulate.scenarios import SCENARIOS, apply_scenario
from tasks.simulate.trial import DOMAINS, simulate_trial
from tasks.simulate.write import write_cut

DEFAULT_SUBJECTS = 40
DEFAULT_SEED = 20261
DEFAULT_SCENARIO = "clean"

__all__ = ["DEFAULT_SCENARIO", "DEFAULT_SEED", "DEFAULT_SUBJECTS", "DOMAINS", "SCENARIOS",
           "simulate_cut", "simulate_trial", "study_end_date", "write_cut"]


def simulate_cut(cfg: TrialConfig, sim: Simulation, cutoff: date,
                 subjects: int = DEFAULT_SUBJECTS, seed: int = DEFAULT_SEED,
                 scenario: str = DEFAULT_SCENARIO) -> dict[str, pd.DataFrame]:
    """The trial's database at `cutoff` (every domain as text frames) with `scenario`'s
    problems planted (SCENARIOS)."""
    if scenario not in SCENARIOS:
        apply_scenario({}, scenario, cutoff, seed)     # raises: names the scenarios
    cut = cut_history(simulate_trial(cfg, sim, subjects, seed), cutoff)
    return apply_scenario(cut, scenario, cutoff, seed)


def study_end_date(sim: Simulation) -> date:
    """The last day of the simulated trial: end of enrolment + sim.follow_up_months."""
    return pd.Timestamp(np.datetime64(int(study_end(sim)), "D")).date()
