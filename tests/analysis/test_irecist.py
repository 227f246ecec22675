"""iRECIST results and table 14.2.10 beside RECIST 1.1 on a hand-made cut; a cut without RECIST
1.1 responses says so in the efficacy section."""
from datetime import date

import pandas as pd
import pytest

from tasks.analysis.efficacy import efficacy_results, efficacy_section
from tasks.config import load_config
from tasks.model import Paragraph, Table
from tasks.monitoring.pending import response_status

CFG = load_config()
CUTOFF = date(2027, 1, 1)      # long after the first doses of 2026-01-01: every response settled
D = pd.Timestamp


def results_of(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame):
    status = response_status(adsl.assign(DTHFL=""), adrs, CUTOFF, CFG.response)
    return efficacy_results(adsl, adrs, adtte, CFG, status)


def frames(recist: bool = True):
    subjects = ["S1", "S2", "S3", "S4"]
    adsl = pd.DataFrame({"USUBJID": subjects, "TRT01A": "A", "TRT01AN": 1, "FASFL": "Y",
                         "RSEVALFL": "Y", "TRTSDT": D("2026-01-01"), "EOTSTT": "ONGOING",
                         "TRTEDT": D("2026-05-01"), "LSTALVDT": D("2026-08-01"), "DTHDT": pd.NaT,
                         "RANDDT": pd.NaT})
    values = {  # BOR, CBOR, IBOR, ICBOR
        "S1": ("PR", "PR", "iPR", "iPR"), "S2": ("PD", "PD", "iPR", "iPR"),  # pseudo-progression
        "S3": ("PD", "PD", "iUPD", "iUPD"), "S4": ("PD", "PD", "iCPD", "iCPD")}
    rows = [(s, p, v) for s, vs in values.items()
            for p, v in zip(("BOR", "CBOR", "IBOR", "ICBOR"), vs) if recist or p.startswith("I")]
    rows += [(s, "IOVR", "iSD") for s in subjects]
    if recist:
        rows += [(s, "OVR", "SD") for s in subjects]
    adrs = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC"]).assign(
        ADT=D("2026-03-01"), ANL01FL="Y", EXCLREAS="")
    adtte = pd.DataFrame([(s, p, 100.0, 1, "", "Last Tumor Assessment")
                          for s in subjects for p in ("OS", "PFS")],
                         columns=["USUBJID", "PARAMCD", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC"])
    return adsl, adrs, adtte


@pytest.fixture(scope="module")
def section():
    adsl, adrs, adtte = frames()
    results = results_of(adsl, adrs, adtte)
    return results, efficacy_section(adsl, adrs, adtte, pd.DataFrame(), CFG, results)


def test_irecist_rates_and_counts(section):
    results, _ = section
    ir = results.irecist
    assert (ir.orr.responders, ir.orr.n) == (2, 4)
    assert (results.orr.responders, results.orr.n) == (1, 4)
    assert (ir.dcr.responders, ir.orr_unconfirmed.responders) == (2, 2)
    assert ir.icbor_counts == {"iCR": 0, "iPR": 2, "iSD": 0, "NON-iCR/NON-iUPD": 0, "iUPD": 1,
                               "iCPD": 1, "NE": 0, "MISSING": 0}


def test_table_puts_irecist_beside_recist(section):
    _, blocks = section
    table = next(b for b in blocks if isinstance(b, Table) and b.id == "t_14_2_10_irecist")
    rows = table.display.set_index("")
    assert list(rows.columns) == ["RECIST 1.1\n(N=4)", "iRECIST\n(N=4)"]
    assert rows.loc["    Partial response (PR / iPR)"].iloc[0].tolist() == ["1 (25.0)", "2 (50.0)"]
    assert rows.loc["    Progressive disease, RECIST 1.1 (PD)"].iloc[0].tolist() == [
        "3 (75.0)", "-"]
    assert rows.loc["    Unconfirmed progression (iUPD)"].iloc[0].tolist() == ["-", "1 (25.0)"]
    assert "28 to 56 days" in table.footnotes[0]


def test_no_recist_response_is_said_before_the_primary_tables():
    adsl, adrs, adtte = frames(recist=False)
    results = results_of(adsl, adrs, adtte)
    assert results.cbor_counts["MISSING"] == 4 and results.irecist.orr.responders == 2
    blocks = efficacy_section(adsl, adrs, adtte, pd.DataFrame(), CFG, results)
    assert isinstance(blocks[0], Paragraph) and blocks[0].style == "warning"
    assert blocks[0].text.startswith("No RECIST 1.1 overall response by the investigator")
    assert "Table 14.2.10" in blocks[0].text
