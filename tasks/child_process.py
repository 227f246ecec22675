"""Child `python -m tasks....` processes (the PDF workers, the patient profiles' process, the RTF
tables' process): their environment, this package first on its path, so that the child imports
the same `tasks` as its parent, from a source checkout or an installed wheel alike; and the one
way a child is given one pickled request and gives back one pickled answer (PickledAnswer,
serve_pickled)."""
from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

from tasks.errors import InterimError

PACKAGE_ROOT = Path(__file__).resolve().parents[1]   # where `tasks` is imported from


def module_env() -> dict[str, str]:
    """os.environ with PACKAGE_ROOT put before any PYTHONPATH it has."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


class PickledAnswer:
    """`python -m <module> FD` started now with `request` pickled on its stdin; answer() is what
    it answers (its serve_pickled) on the pipe FD. `what` names it in errors."""

    def __init__(self, module: str, request: object, what: str) -> None:
        self.what = what
        # the answer comes on a pipe of its own: nothing a library prints can garble it
        answer_read, answer_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, str(answer_write)], env=module_env(),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(answer_write,))
        os.close(answer_write)
        self.answers: IO[bytes] = os.fdopen(answer_read, "rb")
        stdin = cast(IO[bytes], self.process.stdin)        # stdin=PIPE: never None
        with contextlib.suppress(OSError):      # a process that ended at once: answer says so
            pickle.dump(request, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.close()

    def answer(self) -> Any:
        """The answer, read as it comes (no copy of it all); its exception raised here."""
        try:
            answer = pickle.load(self.answers)
        except (EOFError, OSError) as exc:
            raise InterimError(f"the {self.what} process ended (exit code "
                               f"{self.process.wait()})") from exc
        finally:
            self.answers.close()
            self.process.wait()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def stop(self) -> None:
        """Kill the process if its answer was not read; wait for it."""
        if not self.answers.closed:
            self.process.kill()
            self.answers.close()
        self.process.wait()


def serve_pickled(make: Callable[[Any], object], what: str) -> None:
    """The child's side of PickledAnswer: make(the request) pickled on the pipe named by
    argv[1], or make's exception (as text in an InterimError when it cannot be pickled). Call it
    with a function imported from its module, not __main__'s copy: the answer's classes are then
    those the parent unpickles."""
    answers = os.fdopen(int(sys.argv[1]), "wb")
    request = pickle.load(sys.stdin.buffer)
    try:
        answer = make(request)
    except Exception as exc:     # goes back to the parent, which raises it
        answer = exc
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        data = pickle.dumps(InterimError(f"{what}: {type(answer).__name__}: {answer} ({exc})"))
    try:
        answers.write(data)
        answers.flush()
    except BrokenPipeError:      # the parent ended (killed): nobody to answer, no noise
        os._exit(1)
