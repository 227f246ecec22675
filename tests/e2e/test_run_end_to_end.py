"""The whole path on a small simulated cut: simulate -> run (Prefect) -> published version ->
verify; numbers of results.json checked against values computed here independently."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.pdf_text import page_texts
from tasks.report.rtf_text import rtf_pages
from tests.faults.faulty_run import stub_render

pytestmark = pytest.mark.e2e
CUTOFF = "2026-10-31"
runner = CliRunner()


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact interval by bisection on the binomial tail sums (no scipy): the reference."""
    tail = (1 - level) / 2

    def cdf(x: int, p: float) -> float:
        return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(x + 1))

    def solve(f, lo=0.0, hi=1.0) -> float:
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
        return (lo + hi) / 2

    low = 0.0 if k == 0 else solve(lambda p: tail - (1 - cdf(k - 1, p)))
    high = 1.0 if k == n else solve(lambda p: cdf(k, p) - tail)
    return low, high


def km_median(time: pd.Series, event: pd.Series) -> float | None:
    """Product-limit by hand; median = smallest t with S(t) <= 0.5 (midpoint when exactly 0.5)."""
    data = pd.DataFrame({"t": time, "e": event}).sort_values("t")
    s, curve = 1.0, []
    for t, group in data.groupby("t"):
        at_risk = int((data["t"] >= t).sum())
        deaths = int(group["e"].sum())
        if deaths:
            s *= 1 - deaths / at_risk
            curve.append((t, s))
    for i, (t, s) in enumerate(curve):
        if abs(s - 0.5) < 1e-12:
            return (t + curve[i + 1][0]) / 2 if i + 1 < len(curve) else None
        if s < 0.5:
            return t
    return None


EARLIER_CUTOFF = "2026-08-31"


@pytest.fixture(scope="module")
def published(simulated_published) -> tuple[Path, Path]:
    return simulated_published


def test_run_publishes_every_contract_file(published):
    _, version = published
    assert version.name == "v1" and version.parent.name == CUTOFF
    for name in ("report-closed.pdf", "open/report-open.pdf", "open/open-results.json",
                 "open/open-manifest.json", "results.json", "manifest.json",
                 "validation.json", "adam/adsl.parquet", "adam/adrs.parquet", "adam/adtte.parquet",
                 "adam/adae.parquet"):
        assert (version / name).is_file(), name
    assert (version / "report-closed.pdf").read_bytes().startswith(b"%PDF")
    assert len(list((version / "tables").glob("*.csv"))) >= 10
    # every table (not a figure's data) also as RTF, with its number and title
    tables = {p.stem for p in (version / "tables").glob("[tl]_*.csv")}
    assert {p.stem for p in (version / "tables" / "rtf").glob("*.rtf")} == tables
    pages = rtf_pages((version / "tables" / "rtf" / "t_14_3_1_teae_overview.rtf").read_bytes())
    assert pages[0].count("Table 14.3.1\nOverview of treatment-emergent adverse events") == 1


def test_results_orr_matches_exact_interval_computed_independently(published):
    _, version = published
    results = json.loads((version / "results.json").read_text())
    adsl = pd.read_parquet(version / "adam/adsl.parquet")
    adrs = pd.read_parquet(version / "adam/adrs.parquet")
    evaluable = adsl.loc[adsl["RSEVALFL"] == "Y", "USUBJID"]
    cbor = adrs[(adrs["PARAMCD"] == "CBOR") & adrs["USUBJID"].isin(evaluable)]
    # the rate counts settled subjects: the pending ones (never responders yet) are apart
    pending = results["efficacy"]["pending"]
    k, n = int(cbor["AVALC"].isin(["CR", "PR"]).sum()), len(evaluable) - pending["pending"]
    orr = results["efficacy"]["orr"]
    assert (orr["responders"], orr["n"]) == (k, n)
    assert pending["evaluable"] == len(evaluable)
    low, high = clopper_pearson(k, n)
    assert orr["ci_low"] == pytest.approx(low, abs=1e-9)
    assert orr["ci_high"] == pytest.approx(high, abs=1e-9)
    assert results["version"] == 1 and results["cutoff"] == CUTOFF


def test_results_km_medians_match_a_hand_product_limit(published):
    _, version = published
    results = json.loads((version / "results.json").read_text())
    adtte = pd.read_parquet(version / "adam/adtte.parquet")
    for paramcd, key in (("OS", "os"), ("PFS", "pfs")):
        rows = adtte[adtte["PARAMCD"] == paramcd]
        expected = km_median(rows["AVAL"], (rows["CNSR"] == 0).astype(int))
        got = results["efficacy"][key]
        assert got["n"] == len(rows) and got["events"] == int((rows["CNSR"] == 0).sum())
        if expected is None:
            assert got["median"] is None
        else:
            assert got["median"] == pytest.approx(expected / 30.4375, abs=1e-9)


def test_verify_passes_then_detects_a_changed_byte(published, tmp_path):
    _, version = published
    assert runner.invoke(app, ["verify", str(version)]).exit_code == 0
    copy = tmp_path / CUTOFF / "v1"
    import shutil
    shutil.copytree(version, copy)
    table = next((copy / "tables").glob("*.csv"))
    table.write_bytes(table.read_bytes() + b" ")
    result = runner.invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1


@pytest.fixture(scope="module")
def rerun(published) -> Path:
    """A second run of the same cut (a new reason): its published version. Its closed PDF is a
    placeholder: what is compared is every other file (the PDFs differ by generation time)."""
    cuts, version = published
    with pytest.MonkeyPatch.context() as patch:
        stub_render(patch.setattr)
        result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(cuts),
                                     "--reports", str(version.parent.parent), "--reason", "rerun"])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def test_second_run_of_the_same_cut_publishes_v2_beside_v1(published, rerun):
    _, version = published
    second = rerun
    assert second.name == "v2" and (version / "manifest.json").is_file()
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous"] == {**manifest["previous"], "cutoff": CUTOFF, "version": 1}


def test_rerun_of_an_unchanged_cut_reuses_the_cached_derivations(rerun):
    """Prefect caches derive-adam by input file hashes, cutoff, config and code."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="derive-adam")))
    states = sorted(run.state.name for run in runs)
    assert "Cached" in states and "Completed" in states, states


def test_same_cut_config_and_code_give_byte_identical_results_tables_and_adam(published, rerun):
    """Reproducibility: v1 and v2 of one cut differ only in manifest.json (run id, time, chain),
    results.json's version number and the PDFs' generation time."""
    _, version = published
    second = rerun
    first_results = json.loads((version / "results.json").read_text())
    assert (second / "results.json").read_text() == (version / "results.json").read_text().replace(
        '"version": 1', '"version": 2')
    assert first_results["version"] == 1
    compared = 0
    for pattern in ("tables/**/*.csv", "tables/**/*.rtf", "adam/*.parquet", "figures/**/*.svg",
                    "validation.json", "provenance/records.parquet"):
        for path in version.glob(pattern):
            twin = second / path.relative_to(version)
            assert twin.read_bytes() == path.read_bytes(), path.relative_to(version)
            compared += 1
    assert compared > 20


def test_changes_since_previous_cut_list_new_and_corrected_records(published):
    _, latest = published
    changes = json.loads((latest / "results.json").read_text())["changes"]
    assert changes["previous"] == f"{EARLIER_CUTOFF}/v1"
    assert changes["records"]["CHANGED"] >= 1 and changes["records"]["REMOVED"] >= 1
    listing = pd.concat(pd.read_csv(p) for p in (latest / "tables").glob("*16_4*.csv")
                        if "record" in p.name)
    assert {"CHANGED", "REMOVED"} <= set(listing["change"])
    first = latest.parent.parent / EARLIER_CUTOFF / "v1"
    assert json.loads((first / "results.json").read_text())["changes"]["previous"] is None


def pdf_text(path: Path) -> str:
    return "\n".join(" ".join(page.split()) for page in page_texts(path))


def test_closed_report_has_every_section_and_carries_its_provenance(published):
    from pypdf import PdfReader
    _, version = published
    text = pdf_text(version / "report-closed.pdf")
    for heading in ("Decision summary", "Accrual", "Disposition", "Demographics and baseline",
                    "Exposure", "Efficacy", "Safety", "Data currency and quality",
                    "Changes since the previous cut", "Methods", "Provenance"):
        assert heading in text, heading
    assert "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY" in text
    # the reason, on the title page
    assert "end-to-end test" in text
    attachments = PdfReader(version / "report-closed.pdf").attachments
    assert {"manifest.json", "results.json"} <= set(attachments)
    assert attachments["results.json"][0] == (version / "results.json").read_bytes()


def test_page_two_is_the_dsmb_at_a_glance_pointing_to_the_right_pages(published):
    import re

    _, version = published
    pages = page_texts(version / "report-closed.pdf")
    page = pages[1]
    assert page.startswith("DSMB at a glance")
    assert pages[2].startswith("Contents")
    for heading in ("Monitoring rules", "Safety", "Efficacy", "Data maturity",
                    "For the DSMB's attention", "Independent statistician's summary"):
        assert heading in page, heading
    references = set(re.findall(r"((?:Table|Listing) \d+(?:\.\d+)+), page (\d+)", page))
    assert len(references) >= 8
    for label, number in references:                  # the caption is on the page it names
        assert f"{label} " in pages[int(number) - 1], (label, number)
    # the summary of the cut folder, as text: the link and the markup are shown, not followed
    flat = " ".join(page.split())
    assert "asks the DSMB to discuss the deaths of unknown cause" in flat
    assert "<b>No markup</b> [no link](http://example.invalid/)" in flat


def test_open_report_has_no_efficacy_and_no_response_data(published):
    _, version = published
    text = pdf_text(version / "open" / "report-open.pdf")
    assert "OPEN SESSION" in text and "Accrual" in text and "Disposition" in text
    for closed_only in ("Table 14.2", "Best overall response", "Objective response and disease",
                        "Kaplan-Meier plot", "Table 10.1",
                        "recomputed from lesion", "Changes since the previous cut"):
        assert closed_only not in text, closed_only
