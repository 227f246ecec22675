"""Relatedness per study drug (component) from SUPPAE, with AEREL as the fall-back and the
overall flag RELFL; missing assessments by safety.missing_relatedness_as_related."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adae import build_adae, relatedness_components
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1"], "SAFFL": ["Y"], "TRT01A": ["Arm"], "TRT01AN": [1],
                         "TRTSDT": [pd.Timestamp("2025-03-01")],
                         "TRTEDT": [pd.Timestamp("2025-06-01")]})


def _derive(aerel: list[str], supp: list[tuple[int, str, str]], cfg=CFG) -> pd.DataFrame:
    ae = pd.DataFrame({"USUBJID": "S1", "AESEQ": [str(i) for i in range(1, len(aerel) + 1)],
                       "AEDECOD": "NAUSEA", "AEBODSYS": "GI", "AETOXGR": "2",
                       "AESTDTC": "2025-04-01", "AEREL": aerel})
    # IDVARVAL "1.0" for AESEQ "1": the same sequence number written as a decimal
    suppae = pd.DataFrame([{"USUBJID": "S1", "RDOMAIN": "AE", "IDVAR": "AESEQ",
                            "IDVARVAL": f"{seq}.0" if seq == 1 else str(seq), "QNAM": qnam,
                            "QVAL": qval}
                           for seq, qnam, qval in supp],
                          columns=["USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "QNAM", "QVAL"])
    cut = Cut(date(2025, 12, 31), "memory", {"ae": ae, "suppae": suppae}, {})
    return build_adae(_adsl(), cut, cfg)


def test_configured_components_give_one_flag_each():
    assert [(code, qnam, var) for code, _, qnam, var in relatedness_components(CFG)] == [
        ("HAIC", "AERELHAI", "REL_HAIC"), ("TQB2868", "AERELTQB", "REL_TQB2868"),
        ("RAM", "AERELRAM", "REL_RAM")]


def test_per_drug_relatedness_from_suppae_with_aerel_fallback():
    out = _derive(
        aerel=["", "", "RELATED", "NOT RELATED", "NOT RELATED"],
        supp=[(1, "AERELHAI", "RELATED"), (1, "AERELTQB", "NOT RELATED"),
              (1, "AERELRAM", "NOT RELATED"), (2, "AERELHAI", "NOT RELATED"),
              (2, "AERELTQB", "NOT RELATED"), (2, "AERELRAM", "NOT RELATED"),
              (5, "AERELTQB", "RELATED")])
    assert out["REL_HAIC"].tolist() == ["Y", None, "Y", None, None]
    assert out["REL_TQB2868"].tolist() == [None, None, "Y", None, "Y"]
    assert out["REL_RAM"].tolist() == [None, None, "Y", None, None]
    assert out["RELFL"].tolist() == ["Y", None, "Y", None, "Y"]
    assert out["AERELHAI"].tolist() == ["RELATED", "NOT RELATED", "", "", ""]


def test_missing_assessment_counts_as_related_by_default_and_not_when_configured_off():
    out = _derive(aerel=[""], supp=[])
    assert out.loc[0, ["REL_HAIC", "REL_TQB2868", "REL_RAM", "RELFL"]].tolist() == ["Y"] * 4
    safety = CFG.safety.model_copy(update={"missing_relatedness_as_related": False})
    cfg = CFG.model_copy(update={"safety": safety})
    out = _derive(aerel=[""], supp=[], cfg=cfg)
    assert out.loc[0, ["REL_HAIC", "REL_TQB2868", "REL_RAM", "RELFL"]].isna().all()


def test_without_configured_components_relatedness_comes_from_aerel_only():
    cfg = CFG.model_copy(update={"study": CFG.study.model_copy(update={"components": ()})})
    out = _derive(aerel=["PROBABLE", "REMOTE", "NONE"], supp=[(2, "AERELHAI", "RELATED")], cfg=cfg)
    assert not [c for c in out.columns if c.startswith("REL_")]
    assert out["RELFL"].tolist() == ["Y", None, None]
