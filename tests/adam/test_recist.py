"""RECIST 1.1 / mRECIST from lesion measurements (docs/efficacy.md, optional check from TU/TR)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adrs import build_adrs
from tasks.adam.lesions import lesion_findings
from tasks.adam.recist import best_percent_change, build_adtr, response_disagreements
from tasks.config import load_config
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
DAYS = [-7, 42, 84, 126, 168, 210]           # visit 0 is the baseline scan
BASE_CFG = load_config()


def config(**response):
    return BASE_CFG.model_copy(update={"response": BASE_CFG.response.model_copy(update=response)})


def dtc(visit: int) -> str:
    return (REF + pd.Timedelta(days=DAYS[visit])).strftime("%Y-%m-%d")


def lesion_cut(targets=None, non_targets=None, new=None, subject="A", extra_tr=()):
    """TU/TR of one subject. targets: {id: (location, [size per visit] or {TESTCD: [...]})},
    non_targets: {id: [state per visit]}, new: {visit: state}; None = not assessed."""
    tu, tr = [], []

    def add_tr(lnkid, grp, testcd, visit, value, text=None):
        tr.append({"STUDYID": "S", "USUBJID": subject, "TRLNKID": lnkid, "TRGRPID": grp,
                   "TRTESTCD": testcd, "TRSTRESC": text if text is not None else
                   ("" if value is None else f"{value:g}"),
                   "TRSTRESN": "" if value is None else f"{value:g}", "TREVAL": "INVESTIGATOR",
                   "VISITNUM": str(visit), "VISIT": f"VISIT {visit}", "TRDTC": dtc(visit)})

    for lnkid, (loc, sizes) in (targets or {}).items():
        tu.append({"USUBJID": subject, "TULNKID": lnkid, "TUSTRESC": "TARGET", "TULOC": loc,
                   "TUEVAL": "INVESTIGATOR", "VISITNUM": "0", "VISIT": "VISIT 0", "TUDTC": dtc(0)})
        by_test = sizes if isinstance(sizes, dict) else {"LDIAM": sizes}
        for testcd, values in by_test.items():
            for visit, value in enumerate(values):
                add_tr(lnkid, "TARGET", testcd, visit, value)
    for lnkid, states in (non_targets or {}).items():
        tu.append({"USUBJID": subject, "TULNKID": lnkid, "TUSTRESC": "NON-TARGET", "TULOC": "LUNG",
                   "TUEVAL": "INVESTIGATOR", "VISITNUM": "0", "VISIT": "VISIT 0", "TUDTC": dtc(0)})
        for visit, state in enumerate(states):
            add_tr(lnkid, "NON-TARGET", "TUMSTATE", visit, None, state or "")
    for visit, state in (new or {}).items():
        lnkid = f"NEW{visit:02d}"
        tu.append({"USUBJID": subject, "TULNKID": lnkid, "TUSTRESC": "NEW", "TULOC": "BONE",
                   "TUEVAL": "INVESTIGATOR", "VISITNUM": str(visit), "VISIT": f"VISIT {visit}",
                   "TUDTC": dtc(visit)})
        if state is not None:
            add_tr(lnkid, "NEW", "TUMSTATE", visit, None, state)
    tr.extend(extra_tr)
    return {"tu": pd.DataFrame(tu), "tr": pd.DataFrame(tr)}


def adsl_of(subjects) -> pd.DataFrame:
    return pd.DataFrame({"STUDYID": "S", "USUBJID": list(subjects), "TRTSDT": REF,
                         "RANDDT": pd.NaT, "DTHFL": "", "DTHDT": pd.NaT, "FASFL": "Y",
                         "LSTALVDT": REF + pd.Timedelta(days=400)})


def combined(cases: list[dict]) -> dict[str, pd.DataFrame]:
    """The TU/TR of several subjects (one case each, subject C0, C1, ...) in one cut."""
    parts = [lesion_cut(**case, subject=f"C{i}") for i, case in enumerate(cases)]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in ("tu", "tr")}


def adtr_of(domains, **response) -> pd.DataFrame:
    subjects = sorted(set(domains["tr"]["USUBJID"])) if "USUBJID" in domains["tr"] else []
    adsl = adsl_of(subjects or ["A"])
    return build_adtr(adsl, Cut(date(2030, 1, 1), "memory", domains, {}), config(**response))


def values(adtr: pd.DataFrame, paramcd: str, column: str = "AVALC", subject: str = "A") -> list:
    rows = adtr[(adtr["PARAMCD"] == paramcd) & (adtr["USUBJID"] == subject)].sort_values("ADT")
    return rows[column].tolist()


def test_target_sum_uses_short_axis_for_lymph_nodes():
    domains = lesion_cut({"T01": ("LIVER", [30, 30]),
                          "T02": ("LYMPH NODE", {"LDIAM": [25, 25], "LPERP": [15, 15]}),
                          "T03": ("MEDIASTINAL LYMPH NODE", [12, 12])})
    assert values(adtr_of(domains), "SUMDIAM", "AVAL") == [57.0, 57.0]


def test_mrecist_sums_viable_tumour_diameter():
    domains = lesion_cut({"T01": ("LIVER", {"LDIAM": [40, 40], "VIABDIAM": [30, 15]})})
    adtr = adtr_of(domains, lesion_criteria="mRECIST")
    assert values(adtr, "SUMDIAM", "AVAL") == [30.0, 15.0]
    assert values(adtr, "TRGRESP") == ["PR"]
    assert values(adtr_of(domains), "TRGRESP") == ["SD"]


def test_change_from_baseline_and_nadir():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [100, 60, 80])}))
    assert values(adtr, "SUMDIAM", "PCHG") == [0.0, -40.0, -20.0]
    assert values(adtr, "SUMDIAM", "NADIR")[1:] == [100.0, 60.0]
    assert values(adtr, "SUMDIAM", "PCHGNAD")[2] == pytest.approx(100 / 3)


def test_pr_at_exactly_30_percent_decrease_not_29():
    assert values(adtr_of(lesion_cut({"T01": ("LIVER", [100, 70])})), "TRGRESP") == ["PR"]
    assert values(adtr_of(lesion_cut({"T01": ("LIVER", [100, 71])})), "TRGRESP") == ["SD"]


def test_pd_at_20_percent_and_5_mm_above_nadir():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [100, 50, 59, 60])}))
    assert values(adtr, "TRGRESP") == ["PR", "PR", "PD"]
    assert values(adtr, "OVRLRESP") == ["PR", "PR", "PD"]


def test_20_percent_without_5_mm_is_not_pd():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [20, 10, 14, 15])}))
    assert values(adtr, "TRGRESP") == ["PR", "PR", "PD"]


def test_nadir_zero_any_5_mm_is_pd():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [20, 0, 5])}))
    assert values(adtr, "TRGRESP") == ["CR", "PD"]


def test_cr_needs_every_node_below_10_mm():
    cr = lesion_cut({"T01": ("LIVER", [20, 0]), "T02": ("LYMPH NODE", [15, 9.9])})
    assert values(adtr_of(cr), "TRGRESP") == ["CR"]
    node_10 = lesion_cut({"T01": ("LIVER", [20, 0]), "T02": ("LYMPH NODE", [15, 10])})
    assert values(adtr_of(node_10), "TRGRESP") == ["PR"]


def test_target_ne_when_a_lesion_is_not_measured_unless_already_pd():
    missing = lesion_cut({"T01": ("LIVER", [20, 19]), "T02": ("LUNG", [10, None])})
    assert values(adtr_of(missing), "TRGRESP") == ["NE"]
    assert values(adtr_of(missing), "SUMDIAM", "ANL01FL") == ["Y", None]
    grown = lesion_cut({"T01": ("LIVER", [20, 40]), "T02": ("LUNG", [10, None])})
    assert values(adtr_of(grown), "TRGRESP") == ["PD"]


def test_incomplete_sum_is_not_a_nadir():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [50, 40, 50]), "T02": ("LUNG", [50, None, 50])}))
    assert values(adtr, "SUMDIAM", "NADIR")[1:] == [100.0, 100.0]
    assert values(adtr, "TRGRESP") == ["NE", "SD"]


NON_TARGET_CASES = [
    (["PRESENT", "PRESENT"], "NON-CR/NON-PD"),
    (["PRESENT", "ABSENT"], "CR"),
    (["PRESENT", "UNEQUIVOCAL PROGRESSION"], "PD"),
    (["PRESENT", "UNEQUIVOCAL"], "PD"),
    (["PRESENT", "EQUIVOCAL"], "NON-CR/NON-PD"),
    (["PRESENT", None], "NE"),
]


@pytest.fixture(scope="module")
def non_target_adtr() -> pd.DataFrame:
    return adtr_of(combined([{"non_targets": {"NT01": states}} for states, _ in NON_TARGET_CASES]))


@pytest.mark.parametrize("case", range(len(NON_TARGET_CASES)))
def test_non_target_response_from_tumour_state(non_target_adtr, case):
    assert values(non_target_adtr, "NTRGRESP", subject=f"C{case}") == [NON_TARGET_CASES[case][1]]


def test_non_target_ne_when_one_lesion_not_assessed_pd_wins():
    adtr = adtr_of(lesion_cut(non_targets={"NT01": ["PRESENT", None, None],
                                           "NT02": ["PRESENT", "PRESENT", "UNEQUIVOCAL"]}))
    assert values(adtr, "NTRGRESP") == ["NE", "PD"]


def test_unequivocal_new_lesion_is_pd_equivocal_is_not():
    targets = {"T01": ("LIVER", [50, 40, 40, 40])}
    adtr = adtr_of(lesion_cut(targets, new={2: "EQUIVOCAL", 3: "UNEQUIVOCAL"}))
    assert values(adtr, "NEWLPROG") == ["N", "EQUIVOCAL", "Y"]
    assert values(adtr, "OVRLRESP") == ["SD", "SD", "PD"]
    tu_only = adtr_of(lesion_cut(targets, new={2: None}))
    assert values(tu_only, "OVRLRESP") == ["SD", "PD", "SD"]


OVERALL_CASES = [            # target sizes, non-target states, overall response
    ([20, 0], ["PRESENT", "ABSENT"], "CR"),
    ([20, 0], ["PRESENT", "PRESENT"], "PR"),
    ([20, 0], ["PRESENT", None], "PR"),
    ([20, 10], ["PRESENT", None], "PR"),
    ([20, 18], ["PRESENT", "PRESENT"], "SD"),
    ([20, 18], ["PRESENT", None], "SD"),
    ([20, None], ["PRESENT", "PRESENT"], "NE"),
    ([20, 10], ["PRESENT", "UNEQUIVOCAL"], "PD"),
]


@pytest.fixture(scope="module")
def overall_adtr() -> pd.DataFrame:
    return adtr_of(combined([{"targets": {"T01": ("LIVER", t)}, "non_targets": {"NT01": n}}
                             for t, n, _ in OVERALL_CASES]))


@pytest.mark.parametrize("case", range(len(OVERALL_CASES)))
def test_overall_response_table(overall_adtr, case):
    assert values(overall_adtr, "OVRLRESP", subject=f"C{case}") == [OVERALL_CASES[case][2]]


def test_target_only_disease_cr():
    assert values(adtr_of(lesion_cut({"T01": ("LIVER", [20, 0])})), "OVRLRESP") == ["CR"]


def test_non_target_only_disease_non_cr_non_pd_instead_of_sd():
    adtr = adtr_of(lesion_cut(non_targets={"NT01": ["PRESENT", "PRESENT", "ABSENT"]}))
    assert values(adtr, "OVRLRESP") == ["NON-CR/NON-PD", "CR"]
    assert values(adtr, "TRGRESP") == []


def test_baseline_is_last_scan_on_or_before_reference_date():
    domains = lesion_cut({"T01": ("LIVER", [100, 65])})
    screening = domains["tr"].iloc[[0]].assign(VISITNUM="-1", VISIT="SCREENING", TRSTRESN="200",
                                               TRSTRESC="200", TRDTC="2024-12-01")
    domains["tr"] = pd.concat([screening, domains["tr"]], ignore_index=True)
    adtr = adtr_of(domains)
    assert values(adtr, "SUMDIAM", "ABLFL") == [None, "Y", None]
    assert values(adtr, "SUMDIAM", "BASE")[1:] == [100.0, 100.0]
    assert values(adtr, "TRGRESP") == ["PR"]


def test_two_scans_filed_under_one_visit_are_two_assessments():
    domains = lesion_cut({"T01": ("LIVER", [100, 60, 90])})
    second = domains["tr"]["VISITNUM"].eq("2")
    domains["tr"].loc[second, ["VISITNUM", "VISIT"]] = ["1", "VISIT 1"]
    adtr = adtr_of(domains)
    assert values(adtr, "OVRLRESP") == ["PR", "PD"]
    assert values(adtr, "OVRLRESP", "VISIT") == ["VISIT 1", "VISIT 1"]
    found = response_disagreements(adtr, reported({"A": {1: "PR"}}))
    assert found[["REPORTED", "RECOMPUTED", "CATEGORY"]].values.tolist() == [
        ["", "PD", "no overall response reported for the visit"]]


def test_best_percent_change_is_the_smallest_complete_change():
    adtr = adtr_of(lesion_cut({"T01": ("LIVER", [100, 60, 50, 80]),
                               "T02": ("LUNG", [0, 0, None, 0])}))
    assert best_percent_change(adtr).to_dict("records") == [{"USUBJID": "A", "BESTPCHG": -40.0}]


def reported(by_subject: dict[str, dict[int, str]]) -> pd.DataFrame:
    """ADRS with the reported overall responses {USUBJID: {visit: response}}."""
    rs = pd.DataFrame([{"STUDYID": "S", "USUBJID": u, "RSSEQ": str(v), "RSTESTCD": "OVRLRESP",
                        "RSEVAL": "INVESTIGATOR", "VISITNUM": str(v), "VISIT": f"VISIT {v}",
                        "RSDTC": dtc(v), "RSSTRESC": r}
                       for u, responses in by_subject.items() for v, r in responses.items()])
    cut = Cut(date(2030, 1, 1), "memory", {"rs": rs}, {})
    return build_adrs(adsl_of(by_subject), cut, config())


DISAGREEMENT_CASES = [      # target sizes, non-target states, new lesions, reported, category
    ([100, 50, 60], None, None, {1: "PR", 2: "PR"},
     "target PD (sum above nadir by the % and mm rule) not reported"),
    ([100, 90], ["PRESENT", "UNEQUIVOCAL"], None, {1: "SD"},
     "non-target progression, PD not reported"),
    ([100, 90], None, {1: "UNEQUIVOCAL"}, {1: "SD"}, "new lesion, PD not reported"),
    ([100, 90], None, {1: "EQUIVOCAL"}, {1: "PD"}, "PD reported on an equivocal new lesion"),
    ([100, 90], None, None, {1: "PD"}, "PD reported without lesion evidence"),
    ([20, 10, 14], None, None, {1: "PR", 2: "PD"},
     "PD reported on a % increase below the mm minimum"),
    ([100, 90], ["PRESENT", None], None, {1: "SD"}, None),
    ([100, None], None, None, {1: "SD"}, "target lesion not measured"),
    ([100, 90], None, None, {1: "NE"}, "NE reported although every lesion was assessed"),
    ([100, 60], None, None, {1: "SD"}, "target PR (decrease from baseline) not reported"),
    ([100, 80], None, None, {1: "PR"}, "PR reported without the required decrease"),
    ([100, 0], None, None, {1: "PR"}, "CR criteria met, CR not reported"),
    ([100, 20], None, None, {1: "CR"}, "CR reported but disease remains"),
    ([100, 90], None, None, {1: "CHECK"}, "reported response not in controlled terms"),
    ([100, 90, 90], None, None, {1: "SD"}, "no overall response reported for the visit"),
    ([100, 90], None, None, {1: "SD", 2: "SD"}, "no lesion data at the visit"),
    ([100, 60, 60], None, None, {0: "SD", 1: "PR", 2: "PR"}, None),
]


NODE_CASE = ({"T01": ("LIVER", [20, 0, 0]), "T02": ("LYMPH NODE", [15, 4, 9])}, {1: "CR", 2: "PD"},
             "PD reported on growth of normal-sized nodes (CR criteria met)")


@pytest.fixture(scope="module")
def disagreements() -> pd.DataFrame:
    cases = [{"targets": {"T01": ("LIVER", sizes)},
              "non_targets": {"NT01": non_target} if non_target else None, "new": new}
             for sizes, non_target, new, _, _ in DISAGREEMENT_CASES] + [{"targets": NODE_CASE[0]}]
    reports = {f"C{i}": case[3] for i, case in enumerate(DISAGREEMENT_CASES)}
    reports[f"C{len(DISAGREEMENT_CASES)}"] = NODE_CASE[1]
    return response_disagreements(adtr_of(combined(cases)), reported(reports))


@pytest.mark.parametrize("case", range(len(DISAGREEMENT_CASES)),
                         ids=[c[4] or "agreement" for c in DISAGREEMENT_CASES])
def test_disagreement_categories(disagreements, case):
    """Each case one category; agreeing visits and a report at the baseline visit not listed."""
    category = DISAGREEMENT_CASES[case][4]
    found = disagreements[disagreements["USUBJID"] == f"C{case}"]
    assert found["CATEGORY"].tolist() == ([] if category is None else [category])


def test_node_growth_below_10_mm_after_cr_is_still_cr(disagreements):
    """Nodes back to 9 mm from 4 mm: the sum grew >= 20% and 5 mm, but every node is normal."""
    found = disagreements[disagreements["USUBJID"] == f"C{len(DISAGREEMENT_CASES)}"]
    assert found[["REPORTED", "RECOMPUTED", "CATEGORY"]].values.tolist() == [
        ["PD", "CR", NODE_CASE[2]]]


def test_lesion_findings_name_file_row_subject():
    bad = {"STUDYID": "S", "USUBJID": "A", "TRGRPID": "TARGET", "TRTESTCD": "LDIAM",
           "TREVAL": "INVESTIGATOR", "VISITNUM": "1", "VISIT": "VISIT 1", "TRDTC": dtc(1)}
    domains = lesion_cut({"T01": ("LIVER", [20, 10])}, extra_tr=[
        {**bad, "TRLNKID": "T01", "TRSTRESN": "-3", "TRSTRESC": "-3"},
        {**bad, "TRLNKID": "T01", "TRSTRESN": "", "TRSTRESC": ""},
        {**bad, "TRLNKID": "T09", "TRSTRESN": "12", "TRSTRESC": "12"}])
    findings = lesion_findings(Cut(date(2030, 1, 1), "memory", domains, {}), config())
    rules = sorted((f.rule, f.row) for f in findings)
    assert rules == [("TR-LESION-NOT-IN-TU", 5), ("TR-MISSING-DIAMETER", 4),
                     ("TR-NEGATIVE-DIAMETER", 3)]
    assert all(f.usubjid == "A" and f.file == "tr" for f in findings)


def test_no_lesion_data_gives_empty_adtr():
    header_only = lesion_cut({"T01": ("LIVER", [20])})
    header_only = {name: frame.iloc[0:0] for name, frame in header_only.items()}
    assert adtr_of(header_only).empty


def test_recist_thresholds_come_from_config():
    domains = lesion_cut({"T01": ("LIVER", [100, 75, 88]), "T02": ("LYMPH NODE", [15, 11, 11])})
    assert values(adtr_of(domains), "TRGRESP") == ["SD", "SD"]
    custom = adtr_of(domains, pr_min_decrease_pct=25, pd_min_increase_pct=10, pd_min_increase_mm=3,
                     node_normal_mm=12)
    assert values(custom, "TRGRESP") == ["PR", "PD"]
    cr = lesion_cut({"T01": ("LIVER", [20, 0]), "T02": ("LYMPH NODE", [15, 11])})
    assert values(adtr_of(cr, node_normal_mm=12), "TRGRESP") == ["CR"]
