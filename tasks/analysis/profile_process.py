"""The patient profiles made in a process of their own while the flow's process makes the rest of
the analysis: at 20,000 subjects their 10,731 timelines take 14 s of one core, and the other
core has nothing to do then (the PDF workers wait for the documents). The process is
`python -m tasks.analysis.profile_process`; it reads the ADaM from the derivation's cache folder
and answers the Profiles (or its exception), pickled on a pipe. Below BESIDE_FROM profiled
subjects its start (imports, reading the ADaM) costs more than it saves: they are made in the
flow's process, as they always are by a plain call of analyse."""
from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, cast

from tasks.adam.build import load_adam
from tasks.analysis.safety_profiles import LB_COLUMNS, Profiles, patient_profiles, profile_index
from tasks.child_process import module_env
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


class _ProfilesBeside:
    """The process making the profiles of one cut; called as patient_profiles (with that
    cut's ADaM, config and cutoff), it returns its answer."""

    def __init__(self, folder: Path, cfg: TrialConfig, cutoff: date) -> None:
        # the answer comes on a pipe of its own: nothing a library prints can garble it
        answer_read, answer_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(answer_write)], env=module_env(),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(answer_write,))
        os.close(answer_write)
        self.answers: IO[bytes] = os.fdopen(answer_read, "rb")
        stdin = cast(IO[bytes], self.process.stdin)        # stdin=PIPE: never None
        with contextlib.suppress(OSError):    # a process that ended at once: __call__ says so
            pickle.dump((folder, cfg, cutoff), stdin)
            stdin.close()

    def __call__(self, adam: Adam, cfg: TrialConfig, cutoff: date) -> Profiles:
        try:
            answer = pickle.load(self.answers)     # read as it comes: no copy of it all
        except (EOFError, OSError) as exc:
            raise InterimError("the patient-profile process ended (exit code "
                               f"{self.process.wait()})") from exc
        finally:
            self.answers.close()
            self.process.wait()
        if isinstance(answer, BaseException):
            raise answer
        return cast(Profiles, answer)

    def stop(self) -> None:
        """Kill the process if its answer was not read; wait for it."""
        if not self.answers.closed:
            self.process.kill()
            self.answers.close()
        self.process.wait()


def _serve(answers: IO[bytes]) -> None:
    """The process: the profiles of the (folder, cfg, cutoff) read on stdin, or the exception
    (as text in an InterimError when it cannot be pickled)."""
    folder, cfg, cutoff = pickle.load(sys.stdin.buffer)
    try:
        adam = load_adam(folder, {"adlb": LB_COLUMNS})
        if adam is None:
            raise InterimError(f"the ADaM cache folder {folder} was removed during the run; "
                               "run again")
        answer: Profiles | Exception = patient_profiles(adam, cfg, cutoff)
    except Exception as exc:     # goes back to the flow, which reports it
        answer = exc
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        data = pickle.dumps(InterimError(f"patient profiles: {type(answer).__name__}: "
                                         f"{answer} ({exc})"))
    try:
        answers.write(data)
        answers.flush()
    except BrokenPipeError:      # the flow's process ended (killed): nobody to answer, no noise
        os._exit(1)


if __name__ == "__main__":
    # the module's own _serve: the answer's classes are those of tasks.analysis.safety_profiles
    from tasks.analysis.profile_process import _serve as serve
    serve(os.fdopen(int(sys.argv[1]), "wb"))
