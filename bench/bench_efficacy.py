"""Time the efficacy derivations (ADRS, ADTTE, ADTR) on a simulated cut of many subjects.

    .venv/bin/python bench/bench_efficacy.py [--subjects 5000] [--seed 20261]

The cut is the simulator's database at the end of the study (every subject's full follow-up),
read as the flow reads a cut: every column text. ADSL is built first (not timed as efficacy).
"""
from __future__ import annotations

import argparse
import time

from tasks.adam.adrs import build_adrs
from tasks.adam.adsl import build_adsl
from tasks.adam.adtte import build_adtte
from tasks.adam.recist import build_adtr, response_disagreements
from tasks.config import load_settings
from tasks.model import Cut
from tasks.simulate import DEFAULT_SEED, simulate_cut, study_end_date


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    settings = load_settings()
    cfg = settings.analysis
    cutoff = study_end_date(settings.simulation)
    start = time.perf_counter()
    domains = {name: frame.astype(str) for name, frame in
               simulate_cut(cfg, settings.simulation, cutoff, subjects=args.subjects,
                            seed=args.seed).items()}
    print(f"simulated {args.subjects} subjects in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{d} {len(f):,}" for d, f in domains.items() if d in ("rs", "tu", "tr")))
    cut = Cut(cutoff, "simulated", domains, {})
    adsl = build_adsl(cut, cfg)

    timings: dict[str, tuple[float, float]] = {}

    def timed(name, derive, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = derive(*args)
        timings[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return result

    adrs = timed("build_adrs", build_adrs, adsl, cut, cfg)
    adtte = timed("build_adtte", build_adtte, adsl, adrs, cut, cfg)
    adtr = timed("build_adtr", build_adtr, adsl, cut, cfg)
    disagreements = timed("response_disagreements", response_disagreements, adtr, adrs)

    print(f"{'':24s} {'wall':>7s} {'cpu':>7s}")
    for name, (wall, cpu) in timings.items():
        print(f"{name:24s} {wall:6.2f}s {cpu:6.2f}s")
    print(f"{'total':24s} {sum(w for w, _ in timings.values()):6.2f}s "
          f"{sum(c for _, c in timings.values()):6.2f}s")
    print(f"ADRS {len(adrs):,} rows, ADTTE {len(adtte):,}, ADTR {len(adtr):,}; "
          f"{len(disagreements):,} visits where lesions and RS disagree")


if __name__ == "__main__":
    main()
