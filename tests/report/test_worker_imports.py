"""A PDF worker imports WeasyPrint and what a document is made of, not the analysis: the demo's
closed report (with its DSMB-at-a-glance page) unpickles there without the results modules,
SciPy, matplotlib or Prefect (a second of start-up each, before the worker can lay out); only
the Verdict enum (a StrEnum, nothing else) of the results package."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "matplotlib", "prefect", "lifelines", "tasks.results", "tasks.analysis")


def test_the_worker_unpickles_the_closed_report_without_the_analysis(run, tmp_path: Path) -> None:
    _, documents = run
    assert documents["closed"].glance is not None
    (tmp_path / "closed.pkl").write_bytes(pickle.dumps(documents["closed"]))
    script = ("import pickle, sys\nimport tasks.report.render\n"
              "document = pickle.loads(open(sys.argv[1], 'rb').read())\n"
              "print(document.glance.verdicts[0].name)\n"
              f"print(*sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}\n"
              f"              or m.startswith({HEAVY!r})))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "closed.pkl")],
                          capture_output=True, text=True, timeout=120, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    name, loaded = (done.stdout.splitlines() + [""])[:2]
    assert name == documents["closed"].glance.verdicts[0].name
    assert loaded.split() == ["tasks.results", "tasks.results.verdict"]
