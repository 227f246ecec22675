"""The patient profiles made in a process of their own while the flow's process makes the rest of
the analysis: at 20,000 subjects their 10,731 timelines take 14 s of one core, and the other
core has nothing to do then (the PDF workers wait for the documents). The process is
`python -m tasks.analysis.profile_process`; it reads the ADaM from the derivation's cache folder
and answers the Profiles (or its exception), pickled (tasks.child_process). Below BESIDE_FROM
profiled subjects its start (imports, reading the ADaM) costs more than it saves: they are made
in the flow's process, as they always are by a plain call of analyse."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import cast

from tasks.adam.build import load_adam
from tasks.analysis.safety_profiles import LB_COLUMNS, Profiles, patient_profiles, profile_index
from tasks.child_process import PickledAnswer, serve_pickled
from tasks.config import TrialConfig
from tasks.errors import InterimError
from tasks.model import Adam

BESIDE_FROM = 500
ProfilesMaker = Callable[[Adam, TrialConfig, date], Profiles]


@contextmanager
def profiles_maker(folder: Path, adam: Adam, cfg: TrialConfig,
                   cutoff: date) -> Iterator[ProfilesMaker]:
    """What analyse makes the profiles with: patient_profiles itself for a few subjects, else
    the answer of a process started now on the ADaM of `folder` (the datasets of `adam`),
    stopped on leaving if its answer was not read (analyse failed before)."""
    if len(profile_index(adam, cfg)) < BESIDE_FROM:
        yield patient_profiles
        return
    beside = _ProfilesBeside(folder, cfg, cutoff)
    try:
        yield beside
    finally:
        beside.stop()


class _ProfilesBeside(PickledAnswer):
    """The process making the profiles of one cut; called as patient_profiles (with that
    cut's ADaM, config and cutoff), it returns its answer."""

    def __init__(self, folder: Path, cfg: TrialConfig, cutoff: date) -> None:
        super().__init__(__name__, (folder, cfg, cutoff), "patient-profile")

    def __call__(self, adam: Adam, cfg: TrialConfig, cutoff: date) -> Profiles:
        return cast(Profiles, self.answer())


def profiles_of(request: tuple[Path, TrialConfig, date]) -> Profiles:
    """The process's answer: the profiles of the ADaM in the cache folder, config and cutoff."""
    folder, cfg, cutoff = request
    adam = load_adam(folder, {"adlb": LB_COLUMNS})
    if adam is None:
        raise InterimError(f"the ADaM cache folder {folder} was removed during the run; "
                           "run again")
    return patient_profiles(adam, cfg, cutoff)


if __name__ == "__main__":
    from tasks.analysis.profile_process import profiles_of as made  # not __main__'s copy
    serve_pickled(made, "patient profiles")
