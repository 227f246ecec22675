"""ADLB of the liver panel (labs.liver_tests): analysis values, baseline, on-treatment period,
CTCAE v5.0 grades (tasks.adam.ctcae) and the worst on-treatment grade per subject and test.

One record per LB record of a panel test, with the LB variables of LB_VARIABLES and:
  PARAMCD PARAM    panel key (ALT, AST, BILI, ALP, ALB, PLAT) and the test name of the data
  ADT ADY          LBDTC (complete dates only) and its study day
  AVAL AVALU       LBSTRESN as a number (non-numeric: missing, with NOGRDRS) and LBSTRESU
  ANRLO ANRHI      LBSTNRLO / LBSTNRHI as numbers; R2ULN = AVAL / ANRHI, R2LLN = AVAL / ANRLO
  ABLFL BASE BNRHI BTOXGRN  baseline: the last numeric value on or before TRTSDT; its ULN, grade
  ONTRTFL          "Y": after TRTSDT and no later than TRTEDT + safety.teae_window_days (the
                   post-baseline period of the grade, shift, Hy's law and eDISH summaries)
  ATOXGRN          CTCAE grade 0-4; missing when not graded, NOGRDRS says why (RESULT MISSING,
                   NON-NUMERIC RESULT, NO NORMAL RANGE, UNIT NOT RECOGNISED, DATE MISSING OR
                   PARTIAL)
  WORSTFL          "Y" on the first on-treatment record of the subject's worst grade per test
and a derived parameter PARAMCD ALBI (tasks.adam.albi) on every day with a bilirubin and an
albumin value: AVAL the score, AVALCA1N/AVALCAT1 its grade (1-3), ABLFL/BASE/BASECA1N the last
score on or before TRTSDT, ONTRTFL as above (no CTCAE grade: ATOXGRN missing, NOGRDRS "").
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tasks.adam import albi, ctcae
from tasks.adam.flags import y_or_none
from tasks.adam.unique import numbers, upper
from tasks.config import TrialConfig
from tasks.dates import study_day, to_date
from tasks.memory import release_unused_memory
from tasks.model import TEXT, Cut
from tasks.stack import filled_types, typed_like

ADSL_VARIABLES = ("SAFFL", "TRT01A", "TRT01AN", "TRTSDT", "TRTEDT")
LB_VARIABLES = ("STUDYID", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBSTRESC", "LBSTRESN",
                "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBNRIND", "LBBLFL", "VISITNUM", "VISIT",
                "LBDTC")
# what an ALBI record keeps of its bilirubin record
ALBI_VARIABLES = ("STUDYID", "USUBJID", "VISITNUM", "VISIT", "LBDTC", "ADT", "ADY", *ADSL_VARIABLES)
RESULT_MISSING = "RESULT MISSING"
NON_NUMERIC = "NON-NUMERIC RESULT"
NO_DATE = "DATE MISSING OR PARTIAL"


def build_adlb(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig,
               let_go_lb: bool = False) -> pd.DataFrame:
    """ADLB of the cut's liver-panel records (empty, with every column, when LB is absent).
    `let_go_lb`: LB is let go from the cut once the panel's records are selected (a copy: most
    of LB at once, which the rest of the derivation need not hold beside it)."""
    panel = select_panel(_lb(cut), tests=cfg.labs.liver_tests)
    if let_go_lb:
        cut.let_go(["lb"])
        release_unused_memory()
    adlb = (panel.pipe(merge_adsl_variables, adsl=adsl)
            .pipe(derive_analysis_values)
            .pipe(derive_baseline)
            .pipe(derive_on_treatment, window_days=cfg.safety.teae_window_days)
            .pipe(derive_toxicity_grade)
            .pipe(derive_worst_flag)
            .pipe(derive_param_albi, window_days=cfg.safety.teae_window_days))
    adlb.index = pd.RangeIndex(len(adlb))    # in place: reset_index would copy a million rows
    return adlb


def _lb(cut: Cut) -> pd.DataFrame:
    lb = cut.get("lb")
    return pd.DataFrame(columns=list(LB_VARIABLES), dtype=object) if lb is None else lb


def select_panel(lb: pd.DataFrame, tests: dict[str, str]) -> pd.DataFrame:
    """The records of the panel tests (the LB variables ADLB reads); PARAMCD is the panel key of
    their LBTESTCD."""
    by_code = {code.upper(): key for key, code in tests.items()}
    paramcd = upper(lb["LBTESTCD"]).map(by_code) if "LBTESTCD" in lb else pd.Series(dtype=object)
    panel = lb.loc[paramcd.notna().to_numpy(), [v for v in LB_VARIABLES if v in lb]]
    for variable in LB_VARIABLES:
        if variable not in panel:
            panel[variable] = ""
    panel["PARAMCD"] = paramcd[paramcd.notna()]
    name = panel["LBTEST"].where(panel["LBTEST"].str.strip().ne(""), panel["PARAMCD"])
    panel["PARAM"] = panel["PARAMCD"].map(name.groupby(panel["PARAMCD"]).first()).fillna("")
    return panel


def merge_adsl_variables(adlb: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    subjects = adsl.drop_duplicates("USUBJID").set_index("USUBJID")
    for variable in ADSL_VARIABLES:
        if variable in subjects:
            adlb[variable] = adlb["USUBJID"].map(subjects[variable])
    for variable in ("TRTSDT", "TRTEDT"):
        adlb[variable] = adlb[variable].astype("datetime64[ns]") if variable in adlb \
            else pd.Series(pd.NaT, index=adlb.index, dtype="datetime64[ns]")
    return adlb


def derive_analysis_values(adlb: pd.DataFrame) -> pd.DataFrame:
    """ADT, ADY, AVAL, AVALU, ANRLO, ANRHI, R2ULN, R2LLN and NOGRDRS for result and date
    problems."""
    adlb["ADT"] = to_date(adlb["LBDTC"]).astype("datetime64[ns]")
    adlb["ADY"] = study_day(adlb["ADT"], adlb["TRTSDT"])
    adlb["AVAL"] = numbers(adlb["LBSTRESN"])
    adlb["AVALU"] = adlb["LBSTRESU"]
    adlb["ANRLO"] = numbers(adlb["LBSTNRLO"])
    adlb["ANRHI"] = numbers(adlb["LBSTNRHI"])
    adlb["R2ULN"] = adlb["AVAL"] / adlb["ANRHI"].where(adlb["ANRHI"] > 0)
    adlb["R2LLN"] = adlb["AVAL"] / adlb["ANRLO"].where(adlb["ANRLO"] > 0)
    given = upper(adlb["LBSTRESN"]).ne("") | upper(adlb["LBSTRESC"]).ne("")
    # picked from three shared strings: np.select would make a text array and a string per row
    reasons = np.array(["", NON_NUMERIC, RESULT_MISSING], dtype=object)
    adlb["NOGRDRS"] = reasons[np.where(adlb["AVAL"].notna(), 0, np.where(given, 1, 2))]
    return adlb


def derive_baseline(adlb: pd.DataFrame) -> pd.DataFrame:
    """ABLFL on the last numeric value on or before TRTSDT per subject and test (ties: highest
    LBSEQ); BASE, BNRHI and the baseline grade BTOXGRN on every record of that subject and test."""
    usable = adlb["AVAL"].notna() & adlb["ADT"].notna() & (adlb["ADT"] <= adlb["TRTSDT"])
    candidates = adlb.loc[usable, ["USUBJID", "PARAMCD", "ADT", "LBSEQ"]]
    order = candidates.assign(_SEQ=numbers(candidates["LBSEQ"]))
    order = order.sort_values(["USUBJID", "PARAMCD", "ADT", "_SEQ"], kind="mergesort")
    last = order.index[~order.duplicated(["USUBJID", "PARAMCD"], keep="last")]
    adlb["ABLFL"] = pd.Series(y_or_none(adlb.index.isin(last)), index=adlb.index, dtype=object)
    baseline = adlb.loc[last, ["USUBJID", "PARAMCD", "AVAL", "ANRLO", "ANRHI", "AVALU"]]
    grade = pd.Series(np.nan, index=baseline.index)
    for test, rows in baseline.groupby("PARAMCD"):
        nan = pd.Series(np.nan, index=rows.index)
        grade[rows.index] = ctcae.grade_values(str(test), rows["AVAL"], rows["ANRLO"],
                                               rows["ANRHI"], nan, nan, rows["AVALU"])[0]
    baseline = baseline.assign(BTOXGRN=grade).rename(columns={"AVAL": "BASE", "ANRHI": "BNRHI"}) \
        .set_index(["USUBJID", "PARAMCD"])
    key = pd.MultiIndex.from_arrays([adlb["USUBJID"], adlb["PARAMCD"]])
    for variable in ("BASE", "BNRHI", "BTOXGRN"):
        adlb[variable] = baseline[variable].reindex(key).to_numpy()
    return adlb


def derive_on_treatment(adlb: pd.DataFrame, window_days: int) -> pd.DataFrame:
    end = adlb["TRTEDT"] + pd.Timedelta(days=window_days)
    on = (adlb["ADT"] > adlb["TRTSDT"]) & (end.isna() | (adlb["ADT"] <= end))
    adlb["ONTRTFL"] = pd.Series(y_or_none(on), index=adlb.index, dtype=object)
    return adlb


def derive_toxicity_grade(adlb: pd.DataFrame) -> pd.DataFrame:
    """ATOXGRN by CTCAE v5.0; the baseline-abnormal rules apply after TRTSDT only (a record on or
    before first dose is graded against its ULN, as the baseline itself). NOGRDRS says why not."""
    grade = pd.Series(np.nan, index=adlb.index)
    reason = adlb["NOGRDRS"].copy()
    inputs = adlb[["PARAMCD", "AVAL", "ANRLO", "ANRHI", "BASE", "BNRHI", "AVALU"]].assign(
        BASE=adlb["BASE"].where(~(adlb["ADT"] <= adlb["TRTSDT"])))
    for test, rows in inputs.groupby("PARAMCD"):
        graded, why = ctcae.grade_values(str(test), rows["AVAL"], rows["ANRLO"], rows["ANRHI"],
                                         rows["BASE"], rows["BNRHI"], rows["AVALU"])
        grade[rows.index] = graded
        reason[rows.index] = reason[rows.index].where(reason[rows.index].ne(""), why)
    adlb["ATOXGRN"] = grade
    adlb["NOGRDRS"] = reason.mask(reason.eq("") & adlb["ADT"].isna(), NO_DATE)
    return adlb


def derive_worst_flag(adlb: pd.DataFrame) -> pd.DataFrame:
    """WORSTFL on the first on-treatment record of the highest grade per subject and test."""
    graded = adlb.loc[adlb["ONTRTFL"].eq("Y") & adlb["ATOXGRN"].notna(),
                      ["USUBJID", "PARAMCD", "ATOXGRN", "ADT"]]
    order = graded.sort_values(["ATOXGRN", "ADT"], ascending=[False, True], kind="mergesort")
    first = order.index[~order.duplicated(["USUBJID", "PARAMCD"])]
    adlb["WORSTFL"] = pd.Series(y_or_none(adlb.index.isin(first)), index=adlb.index, dtype=object)
    return adlb


def _day_values(adlb: pd.DataFrame, paramcd: str,
                convert: Callable[[pd.Series, pd.Series], pd.Series]) -> pd.DataFrame:
    """One value per subject and day of a test (the lowest LBSEQ), converted by `convert`: the
    variables an ALBI record takes, VALUE and AVAL."""
    columns = [v for v in (*ALBI_VARIABLES, "AVAL", "AVALU", "LBSEQ") if v in adlb]
    rows = adlb.loc[adlb["PARAMCD"].eq(paramcd).to_numpy() & adlb["AVAL"].notna().to_numpy()
                    & adlb["ADT"].notna().to_numpy(), columns]
    rows = rows.assign(_SEQ=numbers(rows["LBSEQ"]), VALUE=convert(rows["AVAL"], rows["AVALU"]))
    rows = rows.sort_values(["USUBJID", "ADT", "_SEQ"], kind="mergesort")
    return rows.drop_duplicates(["USUBJID", "ADT"])


def derive_param_albi(adlb: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """PARAMCD ALBI records (see the module docstring), appended to ADLB."""
    bili = _day_values(adlb, albi.BILIRUBIN, albi.bilirubin_umol_l)
    alb = _day_values(adlb, albi.ALBUMIN, albi.albumin_g_l)[["USUBJID", "ADT", "VALUE"]]
    pairs = bili.merge(alb, on=["USUBJID", "ADT"], suffixes=("", "_ALB"))
    score = albi.albi_score(pairs["VALUE"], pairs["VALUE_ALB"])
    scored = pairs.loc[~np.isnan(score)].assign(AVAL=score[~np.isnan(score)])
    keep = [v for v in ALBI_VARIABLES if v in scored]
    rows = scored[keep].assign(PARAMCD=albi.PARAMCD, PARAM=albi.PARAM, AVAL=scored["AVAL"],
                               AVALU="", NOGRDRS="", AVALCA1N=albi.albi_grade(scored["AVAL"]))
    rows["AVALCAT1"] = rows["AVALCA1N"].map(lambda g: f"Grade {int(g)}")
    usable = rows["ADT"] <= rows["TRTSDT"]
    last = rows[usable].sort_values(["USUBJID", "ADT"], kind="mergesort").drop_duplicates(
        "USUBJID", keep="last")
    rows["ABLFL"] = pd.Series(y_or_none(rows.index.isin(last.index)), index=rows.index,
                              dtype=object)
    base = last.set_index("USUBJID")
    rows["BASE"] = rows["USUBJID"].map(base["AVAL"])
    rows["BASECA1N"] = rows["USUBJID"].map(base["AVALCA1N"])
    rows = derive_on_treatment(rows, window_days)
    rows["WORSTFL"] = None
    columns = list(dict.fromkeys([*adlb.columns, *rows.columns]))
    # columns all-missing in one part (e.g. AVALC of numeric rows) take the other part's dtype:
    # typed here, not left to pandas' concat (whose rule for it is changing)
    rows = typed_like(rows.reindex(columns=columns), filled_types([adlb]))
    # appended column by column, each ADLB column let go once copied (a million-row ADLB is
    # never there twice); copy=False keeps the columns as they are, unconsolidated
    def part(column: str) -> pd.Series:
        if column not in adlb:
            return pd.Series(np.nan, index=adlb.index, dtype=rows[column].dtype)  # as concat fills
        values = adlb.pop(column)
        if values.dtype == TEXT and rows[column].dtype == object:
            # the column becomes object: one Python string per distinct value, not one per row
            codes, uniques = pd.factorize(values)
            values = pd.Series(np.append(np.asarray(uniques, dtype=object), np.nan)[codes],
                               index=values.index, dtype=object)
        return values

    return pd.DataFrame({column: pd.concat([part(column), rows[column]], ignore_index=True)
                         for column in columns}, copy=False)
