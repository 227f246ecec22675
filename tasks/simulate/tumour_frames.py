"""TU, TR and RS as text: lesions identified, measured, and the investigator's overall response."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.simulate.arrays import int_text, iso, number_text, seq_within, text_frame
from tasks.simulate.tumour import Tumours
from tasks.simulate.visits import assessment_visit

EVALUATOR = "INVESTIGATOR"
CRITERIA = "RECIST 1.1"          # the investigator's response; mRECIST is derived from VIABDIAM
ITERATIVE = "iRECIST"            # ... and iRECIST (confirmations of subjects treated beyond PD)
TU_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUTEST", "TUORRES",
              "TUSTRESC", "TULOC", "TUEVAL", "VISITNUM", "VISIT", "TUDTC"]
TR_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRTEST",
              "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND",
              "TREVAL", "VISITNUM", "VISIT", "TRDTC"]
RS_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES",
              "RSSTRESC", "RSEVAL", "VISITNUM", "VISIT", "RSDTC"]
TESTS = {"LDIAM": "Longest Diameter", "VIABDIAM": "Viable Tumor Longest Diameter",
         "TUMSTATE": "Tumor State"}


def _visit_labels(visits: pd.DataFrame, interval: int) -> tuple[np.ndarray, np.ndarray]:
    k = visits["k"].to_numpy()
    name, number = assessment_visit(k, interval)
    baseline = k == 0
    return np.where(baseline, "SCREENING", name), np.where(baseline, "0", number)


def tu_frame(t: Tumours, subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Lesions identified at screening, and new lesions at the visit they appeared."""
    lesions, visits = t.lesions, t.visits
    screening = subjects["screening"].to_numpy()
    name, number = _visit_labels(visits, cfg.response.assessment_interval_days)
    new_vid = t.new["vid"].to_numpy()
    rows = pd.concat([
        pd.DataFrame({"subject": lesions["subject"], "lnkid": lesions["lnkid"],
                      "kind": lesions["kind"], "site": lesions["site"],
                      "day": screening[lesions["subject"].to_numpy()], "visit": "SCREENING",
                      "visitnum": "0"}),
        pd.DataFrame({"subject": visits["subject"].to_numpy()[new_vid], "lnkid": "NEW01",
                      "kind": "NEW", "site": t.new["site"].to_numpy(),
                      "day": visits["day"].to_numpy()[new_vid], "visit": name[new_vid],
                      "visitnum": number[new_vid]})])
    rows = rows.sort_values(["subject", "day"], kind="stable")
    s = rows["subject"].to_numpy()
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "TU", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "TUSEQ": int_text(seq_within(s)), "TULNKID": rows["lnkid"].to_numpy(),
        "TUTESTCD": "TUMIDENT", "TUTEST": "Tumor Identification",
        "TUORRES": rows["kind"].to_numpy(), "TUSTRESC": rows["kind"].to_numpy(),
        "TULOC": rows["site"].to_numpy(), "TUEVAL": EVALUATOR,
        "VISITNUM": rows["visitnum"].to_numpy(), "VISIT": rows["visit"].to_numpy(),
        "TUDTC": iso(rows["day"].to_numpy())}, len(rows), TU_COLUMNS)


def tr_frame(t: Tumours, subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Target diameters (LDIAM; VIABDIAM for mRECIST) and non-target states per visit."""
    lesions, visits = t.lesions, t.visits
    parts = []
    for testcd, column in (("LDIAM", "ldiam"), ("VIABDIAM", "viab")):
        parts.append(pd.DataFrame({"vid": t.target["vid"], "lesion": t.target["lesion"],
                                   "testcd": testcd, "value": t.target[column], "state": ""}))
    parts.append(pd.DataFrame({"vid": t.non_target["vid"], "lesion": t.non_target["lesion"],
                               "testcd": "TUMSTATE", "value": np.nan,
                               "state": t.non_target["state"]}))
    rows = pd.concat(parts, ignore_index=True)
    rows["order"] = rows["testcd"].map({"LDIAM": 0, "VIABDIAM": 1, "TUMSTATE": 2})
    rows = rows.sort_values(["vid", "lesion", "order"], kind="stable")
    vid, lesion = rows["vid"].to_numpy(), rows["lesion"].to_numpy()
    s = visits["subject"].to_numpy()[vid]
    value = rows["value"].to_numpy(dtype=float)
    measured = rows["testcd"].to_numpy() != "TUMSTATE"
    missing = np.where(measured, np.isnan(value), rows["state"].to_numpy() == "")
    result = np.where(measured, number_text(value, 0), rows["state"].to_numpy())
    name, number = _visit_labels(visits, cfg.response.assessment_interval_days)
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "TR", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "TRSEQ": int_text(seq_within(s)),
        "TRGRPID": lesions["kind"].to_numpy()[lesion],
        "TRLNKID": lesions["lnkid"].to_numpy()[lesion],
        "TRTESTCD": rows["testcd"].to_numpy(), "TRTEST": rows["testcd"].map(TESTS).to_numpy(),
        "TRORRES": result, "TRORRESU": np.where(measured & ~missing, "mm", ""),
        "TRSTRESC": result, "TRSTRESN": np.where(measured, result, ""),
        "TRSTRESU": np.where(measured & ~missing, "mm", ""),
        "TRSTAT": np.where(missing, "NOT DONE", ""),
        "TRREASND": np.where(missing, "LESION NOT EVALUABLE ON IMAGING", ""),
        "TREVAL": EVALUATOR, "VISITNUM": number[vid], "VISIT": name[vid],
        "TRDTC": iso(visits["day"].to_numpy()[vid])}, len(rows), TR_COLUMNS)


def rs_frame(t: Tumours, subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """The overall response (OVRLRESP) at every post-baseline assessment: RECIST 1.1 and
    iRECIST (RSCAT iRECIST; iCPD at the confirming assessment of a subject treated beyond PD)."""
    visits = t.visits[t.visits["k"] > 0]
    rows = pd.concat([visits.assign(cat=CRITERIA, response=visits["overall"]),
                      visits.assign(cat=ITERATIVE, response=visits["irecist"])])
    rows = rows.sort_values(["subject", "k", "cat"], kind="stable")
    name, number = _visit_labels(rows, cfg.response.assessment_interval_days)
    s = rows["subject"].to_numpy()
    response = rows["response"].to_numpy()
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "RS", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "RSSEQ": int_text(seq_within(s)), "RSTESTCD": "OVRLRESP", "RSTEST": "Overall Response",
        "RSCAT": rows["cat"].to_numpy(), "RSORRES": response, "RSSTRESC": response,
        "RSEVAL": EVALUATOR, "VISITNUM": number, "VISIT": name,
        "RSDTC": iso(rows["day"].to_numpy())}, len(rows), RS_COLUMNS)
