"""Benchmark: the targets of issue 13 measured in one run. The orchestration floor (a bare
one-task Prefect flow), `interim run` on the demo cut, and on simulated cuts of 1,000, 5,000 and
20,000 subjects, each of those run twice (the second time an unchanged re-run with a new
--reason); every target printed as met or MISSED.

    .venv/bin/python bench/run.py [--sizes 1000,5000,20000] [--demo-subjects 32] [--out bench/out]

Each measurement is a fresh process. Every cut size and the demo get their own PREFECT_HOME,
warmed once by the floor flow (the first start of Prefect migrates its SQLite database: not
counted); a re-run uses the PREFECT_HOME and reports root of its cold run (the caches are kept
there). Wall time is the whole command. Peak memory is the largest resident set of the measured
process and of the processes it waited for (os.wait4: the embedded Prefect server, the PDF
workers); "tree" is the largest sum of the resident sets of the process and its descendants,
sampled every 0.2 s. The load average before each measurement says what else the machine ran.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CUTOFF = "2026-10-31"
SEED = "20261"
GIB = 1024 ** 3
# Targets on a 2-core machine (issue 13): subjects -> (seconds, bytes).
LARGE_TARGETS = {5000: (30.0, 1 * GIB), 20000: (120.0, 3 * GIB)}
DEMO_MAX_RATIO = 2.0
RERUN_MAX_SHARE = 0.5
PAGE = os.sysconf("SC_PAGE_SIZE")

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
    tree_bytes: int
    returncode: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants (0 for processes already gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(name: str, args: list[str], env: dict[str, str], log: Path) -> Measure:
    """Run `args` to completion: wall time, peak RSS (ru_maxrss, KiB on Linux), tree RSS."""
    load = os.getloadavg()[0]
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        tree = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                tree[0] = max(tree[0], _tree_rss(process.pid))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    result = Measure(name, seconds, usage.ru_maxrss * 1024, tree[0],
                     os.waitstatus_to_exitcode(status))
    state = "ok" if result.ok else f"FAILED (exit {result.returncode}; see {log})"
    print(f"  {name:<40} {seconds:7.1f} s  peak {result.peak_bytes / GIB:5.2f} GiB  "
          f"tree {result.tree_bytes / GIB:5.2f} GiB  (load {load:.1f})  {state}", flush=True)
    return result


def fresh_env(home: Path) -> dict[str, str]:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            # the first start migrates a new database: more than Prefect's default 20 s here
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


def check(what: str, target: str, ok: bool) -> bool:
    print(f"  {what:<58} target {target:<10} {'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000",
                        help="subjects of the simulated cuts, comma-separated")
    parser.add_argument("--demo-subjects", type=int, default=32)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    opts = parser.parse_args()
    sizes = sorted({int(n) for n in opts.sizes.split(",") if n.strip()})
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

    def simulate(name: str, subjects: int) -> Measure:
        return measure(f"simulate {name} ({subjects} subjects)",
                       [interim, "simulate", "--out", str(out / f"cuts-{name}"), "--cutoff", CUTOFF,
                        "--subjects", str(subjects), "--seed", SEED], plain,
                       out / f"simulate-{name}.log")

    def run(name: str, env: dict[str, str], reason: str) -> Measure:
        return measure(f"run {name} ({reason})",
                       [interim, "run", "--cutoff", CUTOFF, "--source", str(out / f"cuts-{name}"),
                        "--reports", str(out / f"reports-{name}"), "--reason", reason],
                       env, out / f"run-{name}-{reason}.log")

    print(f"interim benchmark on {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}; "
          "wall time, peak RSS")
    floor = measure("floor: one-task Prefect flow", [python, str(floor_script)], warmed("floor"),
                    out / "floor.log")
    plain = fresh_env(out / "prefect-home-simulate")
    measured = [floor, simulate("demo", opts.demo_subjects)]
    demo = run("demo", warmed("demo"), "cold")
    measured.append(demo)
    cold: dict[int, Measure] = {}
    rerun: dict[int, Measure] = {}
    for subjects in sizes:
        name = f"{subjects}"
        made = simulate(name, subjects)
        measured.append(made)
        if not made.ok:
            continue
        env = warmed(name)
        cold[subjects] = run(name, env, "cold")
        rerun[subjects] = run(name, env, "rerun")
        measured += [cold[subjects], rerun[subjects]]

    print("\ntargets")
    met = [check(f"demo run / floor = {demo.seconds:.1f} / {floor.seconds:.1f} s = "
                 f"{demo.seconds / floor.seconds:.2f}x", f"<= {DEMO_MAX_RATIO}x",
                 demo.ok and demo.seconds / floor.seconds <= DEMO_MAX_RATIO)]
    for subjects, (seconds, peak) in LARGE_TARGETS.items():
        if subjects not in cold:
            met.append(check(f"{subjects}-subject run", "measured", False))
            continue
        m = cold[subjects]
        met.append(check(f"{subjects}-subject run = {m.seconds:.1f} s", f"<= {seconds:.0f} s",
                         m.ok and m.seconds <= seconds))
        met.append(check(f"{subjects}-subject run peak = {m.peak_bytes / GIB:.2f} GiB "
                         f"(tree {m.tree_bytes / GIB:.2f})", f"<= {peak / GIB:.0f} GiB",
                         m.ok and m.peak_bytes <= peak))
    if {1000, 5000, 20000} <= cold.keys():
        early = (cold[5000].seconds - cold[1000].seconds) / 4000
        late = (cold[20000].seconds - cold[5000].seconds) / 15000
        met.append(check(f"per subject 5k->20k {late * 1000:.2f} ms vs 1k->5k "
                         f"{early * 1000:.2f} ms", "late <= early", late <= early))
    for subjects in sorted(rerun):
        share = rerun[subjects].seconds / cold[subjects].seconds
        met.append(check(f"{subjects}-subject re-run / cold run = {rerun[subjects].seconds:.1f} / "
                         f"{cold[subjects].seconds:.1f} s = {share:.0%}",
                         f"<= {RERUN_MAX_SHARE:.0%}",
                         rerun[subjects].ok and share <= RERUN_MAX_SHARE))
    failed = [m.name for m in measured if not m.ok]
    if failed:
        print(f"failed: {', '.join(failed)} (logs in {out})")
    return 1 if failed or not all(met) else 0


if __name__ == "__main__":
    sys.exit(main())
