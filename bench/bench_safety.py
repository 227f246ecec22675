"""Benchmark: the safety derivations (ADAE, ADEX, ADLB) and every safety table and figure on a
simulated cut (default 5,000 subjects), with wall times and peak memory.

    .venv/bin/python bench/bench_safety.py [--subjects 5000] [--cutoff YYYY-MM-DD] [--seed 1]
        [--tracemalloc]

The default cutoff is the simulated trial's last day (every subject's full follow-up: about
100,000 AE and 900,000 LB records for 5,000 subjects).

Peak memory is the process's maximum resident set size (resource.getrusage); --tracemalloc also
reports the peak of Python allocations, from a second run of the steps (traced, so not timed).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from tasks.adam.adae import build_adae  # noqa: E402
from tasks.adam.adex import build_adex  # noqa: E402
from tasks.adam.adlb import build_adlb  # noqa: E402
from tasks.adam.adsl import build_adsl  # noqa: E402
from tasks.analysis.safety import exposure_section, safety_results, safety_section  # noqa: E402
from tasks.config import TrialConfig, load_settings  # noqa: E402
from tasks.model import Cut  # noqa: E402
from tasks.simulate import simulate_cut, study_end_date  # noqa: E402


def run_steps(adsl: pd.DataFrame, cut: Cut,
              cfg: TrialConfig) -> tuple[list[tuple[str, float]], dict[str, int]]:
    """Every safety step once: (label, wall seconds) per step, and the sizes of what was built."""
    timings: list[tuple[str, float]] = []

    def timed(label: str, step: Callable[[], object]) -> object:
        start = time.perf_counter()
        result = step()
        timings.append((label, time.perf_counter() - start))
        return result

    adae = timed("build_adae", lambda: build_adae(adsl, cut, cfg))
    adex = timed("build_adex", lambda: build_adex(adsl, cut, cfg))
    adlb = timed("build_adlb", lambda: build_adlb(adsl, cut, cfg))
    results = timed("safety_results", lambda: safety_results(adsl, adae, cfg))
    closed = timed("safety_section (closed, by arm)",
                   lambda: safety_section(adsl, adae, adlb, cfg, results, True))
    timed("safety_section (open, pooled)",
          lambda: safety_section(adsl, adae, adlb, cfg, results, False))
    timed("exposure_section (closed and open)",
          lambda: [exposure_section(adsl, adex, cfg, by_arm) for by_arm in (True, False)])
    return timings, {"ADAE": len(adae), "ADEX": len(adex), "ADLB": len(adlb), "blocks": len(closed)}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--cutoff", type=date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    settings = load_settings()
    cfg = settings.analysis
    cutoff = args.cutoff or study_end_date(settings.simulation)
    start = time.perf_counter()
    domains = simulate_cut(cfg, settings.simulation, cutoff, args.subjects, args.seed)
    cut = Cut(cutoff, "simulated", domains, {})
    adsl = build_adsl(cut, cfg)
    rows = ", ".join(f"{d} {len(domains[d]):,}" for d in ("dm", "ae", "suppae", "ex", "lb")
                     if d in domains)
    print(f"simulated cut and ADSL: {time.perf_counter() - start:.1f} s; rows: {rows}")
    rss_before = peak_rss_mib()

    timings, sizes = run_steps(adsl, cut, cfg)
    print(f"ADAE {sizes['ADAE']:,} records, ADEX {sizes['ADEX']:,}, ADLB {sizes['ADLB']:,}; "
          f"{sizes['blocks']} blocks in the closed safety section")
    for label, seconds in timings:
        print(f"  {label:<40} {seconds:7.2f} s")
    print(f"  {'total (safety steps)':<40} {sum(s for _, s in timings):7.2f} s")
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB (after simulation and ADSL: {rss_before:,.0f} MiB)")
    if args.tracemalloc:     # a second, traced run: tracing slows it, so it is not timed
        tracemalloc.start()
        run_steps(adsl, cut, cfg)
        print(f"peak traced Python allocations during the safety steps: "
              f"{tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MiB")
        tracemalloc.stop()


if __name__ == "__main__":
    main()
