"""Benchmark: wall time and peak memory of the orchestration floor (a bare one-task Prefect flow),
`interim run` on the demo cut (40 subjects) and on a 5,000-subject cut, against the targets.

    .venv/bin/python bench/run.py [--subjects 5000] [--demo-subjects 40] [--out bench/out]

Each measurement is a fresh process with its own PREFECT_HOME, warmed once beforehand by the
floor flow (the first start of Prefect migrates its SQLite database: that start is reported
separately and not counted). Peak memory is the largest resident set size of the measured
process and of the processes it waited for (os.wait4): the temporary Prefect API server that
the embedded mode starts is one of them.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CUTOFF = "2026-10-31"
GIB = 1024 ** 3
# Targets on a 2-core machine (issue 6).
DEMO_MAX_RATIO = 2.5
LARGE_MAX_SECONDS = 90.0
LARGE_MAX_BYTES = 2 * GIB

FLOOR_FLOW = textwrap.dedent('''
    from prefect import flow, task

    @task
    def one() -> int:
        return 1

    @flow(name="floor")
    def floor() -> int:
        return one()

    if __name__ == "__main__":
        floor()
''')


@dataclass
class Measure:
    name: str
    seconds: float
    peak_bytes: int
    returncode: int


def measure(name: str, args: list[str], env: dict[str, str], log: Path) -> Measure:
    """Run `args` to completion: wall time and peak RSS (ru_maxrss, KiB on Linux)."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    result = Measure(name, seconds, usage.ru_maxrss * 1024, process.returncode)
    state = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode}; see {log})"
    print(f"  {name:<36} {seconds:7.1f} s  {result.peak_bytes / GIB:5.2f} GiB  {state}", flush=True)
    return result


def fresh_env(home: Path) -> dict[str, str]:
    """A new PREFECT_HOME for one measurement, warmed by one floor run (migrates the database)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            # the first start migrates a new database: more than Prefect's default 20 s here
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5000, help="subjects of the large cut")
    parser.add_argument("--demo-subjects", type=int, default=40)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    opts = parser.parse_args()
    out = opts.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    floor_script = out / "floor_flow.py"
    floor_script.write_text(FLOOR_FLOW)
    python, interim = str(BIN / "python"), str(BIN / "interim")

    def warmed(name: str) -> dict[str, str]:
        env = fresh_env(out / f"prefect-home-{name}")
        measure(f"(warm-up of {name}: DB migration)", [python, str(floor_script)], env,
                out / f"warmup-{name}.log")
        return env

    print(f"interim benchmark on {os.cpu_count()} cores (wall time, peak RSS)")
    floor = measure("floor: one-task Prefect flow", [python, str(floor_script)], warmed("floor"),
                    out / "floor.log")

    plain = fresh_env(out / "prefect-home-simulate")
    cuts = {"demo": out / "cuts-demo", "large": out / "cuts-large"}
    sim_demo = measure(f"simulate {opts.demo_subjects} subjects",
                       [interim, "simulate", "--out", str(cuts["demo"]), "--cutoff", CUTOFF,
                        "--subjects", str(opts.demo_subjects)], plain, out / "simulate-demo.log")
    demo = measure(f"run demo cut ({opts.demo_subjects} subjects)",
                   [interim, "run", "--cutoff", CUTOFF, "--source", str(cuts["demo"]),
                    "--reports", str(out / "reports-demo"), "--reason", "benchmark"],
                   warmed("demo"), out / "run-demo.log")
    sim_large = measure(f"simulate {opts.subjects} subjects",
                        [interim, "simulate", "--out", str(cuts["large"]), "--cutoff", CUTOFF,
                         "--subjects", str(opts.subjects)], plain, out / "simulate-large.log")
    large = measure(f"run large cut ({opts.subjects} subjects)",
                    [interim, "run", "--cutoff", CUTOFF, "--source", str(cuts["large"]),
                     "--reports", str(out / "reports-large"), "--reason", "benchmark"],
                    warmed("large"), out / "run-large.log")

    print()
    failed = [m.name for m in (floor, sim_demo, demo, sim_large, large) if m.returncode != 0]
    ratio = demo.seconds / floor.seconds
    checks = [
        (f"demo run / floor = {ratio:.2f}x", f"<= {DEMO_MAX_RATIO}x", ratio <= DEMO_MAX_RATIO),
        (f"{opts.subjects}-subject run = {large.seconds:.1f} s", f"<= {LARGE_MAX_SECONDS:.0f} s",
         large.seconds <= LARGE_MAX_SECONDS),
        (f"{opts.subjects}-subject run peak = {large.peak_bytes / GIB:.2f} GiB",
         f"<= {LARGE_MAX_BYTES / GIB:.0f} GiB", large.peak_bytes <= LARGE_MAX_BYTES),
    ]
    for what, target, ok in checks:
        print(f"  {what:<44} target {target:<8} {'met' if ok else 'MISSED'}")
    print(f"  large run / floor = {large.seconds / floor.seconds:.2f}x; "
          f"simulate {opts.subjects} = {sim_large.seconds:.1f} s")
    if failed:
        print(f"failed: {', '.join(failed)} (logs in {out})")
    return 1 if failed or not all(ok for _, _, ok in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
