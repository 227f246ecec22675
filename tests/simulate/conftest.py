"""Shared simulated trials for the simulator's tests (simulated once per session)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from tasks.config import Simulation, TrialConfig, load_settings
from tasks.simulate import simulate_cut, simulate_trial

SEED = 2026
SUBJECTS = 300
CUTOFF = date(2026, 10, 31)
EARLY_CUTOFF = date(2026, 3, 31)        # during enrolment


@dataclass(frozen=True)
class Setup:
    subjects: int = SUBJECTS
    seed: int = SEED
    cutoff: date = CUTOFF
    early_cutoff: date = EARLY_CUTOFF


@pytest.fixture(scope="session")
def sim() -> Setup:
    """The subjects, seed and cutoffs of the shared `history`, `clean` and `early` cuts."""
    return Setup()


@pytest.fixture(scope="session")
def cfg() -> TrialConfig:
    return load_settings().analysis


@pytest.fixture(scope="session")
def simulation() -> Simulation:
    """The config's simulation: part (enrolment, sites, true rates)."""
    return load_settings().simulation


@pytest.fixture(scope="session")
def history(cfg: TrialConfig, simulation: Simulation) -> dict[str, pd.DataFrame]:
    return simulate_trial(cfg, simulation, SUBJECTS, SEED)


@pytest.fixture(scope="session")
def clean(cfg: TrialConfig, simulation: Simulation) -> dict[str, pd.DataFrame]:
    return simulate_cut(cfg, simulation, CUTOFF, SUBJECTS, SEED)


@pytest.fixture(scope="session")
def early(cfg: TrialConfig, simulation: Simulation) -> dict[str, pd.DataFrame]:
    return simulate_cut(cfg, simulation, EARLY_CUTOFF, SUBJECTS, SEED)


def recompute_responses(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """RECIST 1.1 overall response of every post-baseline assessment, recomputed from TU/TR with
    plain Python (independent of tasks.simulate.recist): USUBJID, date, pchg, expected."""
    tu, tr = frames["tu"], frames["tr"]
    nodal = set(zip(tu.loc[tu["TULOC"].eq("LYMPH NODE"), "USUBJID"],
                    tu.loc[tu["TULOC"].eq("LYMPH NODE"), "TULNKID"]))
    new_rows = tu[tu["TUSTRESC"].eq("NEW")]
    new = set(zip(new_rows["USUBJID"], new_rows["TUDTC"]))
    rows = []
    for subject, lesions in tr.groupby("USUBJID"):
        base = nadir = None
        for day, visit in lesions.groupby("TRDTC"):
            target = visit[visit["TRTESTCD"].eq("LDIAM")]
            values = [float(v) if v else None for v in target["TRSTRESN"]]
            total = sum(v for v in values if v is not None)
            states = list(visit.loc[visit["TRTESTCD"].eq("TUMSTATE"), "TRSTRESC"])
            if visit["VISIT"].iloc[0] == "SCREENING":
                base = nadir = total
                continue
            missing = None in values
            gone = not missing and all(
                (v < 10) if (subject, k) in nodal else (v == 0)
                for v, k in zip(values, target["TRLNKID"]))
            pchg = 100 * (total - base) / base
            if total - nadir >= 0.2 * nadir and total - nadir >= 5:
                t = "PD"
            elif missing:
                t = "NE"
            elif gone:
                t = "CR"
            elif pchg <= -30:
                t = "PR"
            else:
                t = "SD"
            if not missing:
                nadir = min(nadir, total)
            nt = ("NA" if not states else "PD" if "UNEQUIVOCAL PROGRESSION" in states
                  else "NE" if "" in states else "CR" if set(states) == {"ABSENT"} else "NON-CR")
            if t == "PD" or nt == "PD" or (subject, day) in new:
                overall = "PD"
            elif t == "NE":
                overall = "NE"
            elif t == "CR":
                overall = "CR" if nt in ("CR", "NA") else "PR"
            else:
                overall = t
            rows.append((subject, day, pchg, overall))
    return pd.DataFrame(rows, columns=["USUBJID", "RSDTC", "pchg", "expected"])


@pytest.fixture(scope="session")
def recompute():
    return recompute_responses
