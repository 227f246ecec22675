"""ADAE: one record per AE of the cut, built by a chain of named derivations (admiral style).

Variables added to AE (all AE variables are kept, text as in the cut):
  TRTSDT TRTEDT SAFFL TRT01A TRT01AN DTHDT   merged from ADSL
  AENDT AENDTF   end date: partial dates to their last possible day, never after death or the cutoff
  ASTDT ASTDTF   start date: partial dates imputed conservatively (derive_start_date)
  ASTDY AENDY    study days from TRTSDT (day 1 = TRTSDT, no day 0)
  TRTEMFL        treatment-emergent, the primary flag (derive_var_trtemfl; safety.teae_window_days)
  AESITEFL       "Y" on records of an AESI group named in safety.aesi_long_window_groups that are
                 treatment-emergent with the longer safety.aesi_window_days; those groups are
                 counted with this flag, every other table with TRTEMFL
  ATOXGR ATOXGRN CTCAE grade 1-5 from AETOXGR (any other value: missing); only when AE has grades
  ASEV ASEVN     severity from AESEV (MILD 1, MODERATE 2, SEVERE 3); the analysis grade when AE
                 has no AETOXGR (see analysis_grade_variable)
  <QNAM>         each component's relatedness QVAL from SUPPAE (e.g. AERELHAI), text
  REL_<code>     related to study component <code>: its SUPPAE QVAL, else AEREL
  RELFL          related to any study drug: AEREL or any component
  CQnnNAM        name of AESI group nn (config/aesi.yaml order) when AEDECOD is one of its terms
  FATALFL        fatal(): AEOUT FATAL, AESDTH Y or grade 5
  DISCFL INTRFL  AEACN: drug withdrawn; drug interrupted or dose reduced
  AOCCIFL AOCCSIFL AOCCPIFL  first treatment-emergent record of the subject's worst grade, per
                 subject / SOC / PT (as admiral's derive_var_extreme_flag)
  ACN_<code>     action taken with study component <code>: its SUPPAE action_qnam QVAL; else, from
                 EX, DRUG INTERRUPTED / DOSE REDUCED when the component's next dose after onset was
                 withheld / reduced (ADEXREC), DOSE NOT CHANGED when only another component's was;
                 else AEACN (derive_action_by_component)
  ACYCLE         treatment cycle of the onset: the cycle of the subject's last EX record on or
                 before ASTDT (missing before the first dose or without cycle visits)
Record flags are "Y" or None.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.adexrec import build_adexrec
from tasks.adam.flags import y_or_none
from tasks.adam.unique import numbers, upper
from tasks.config import TrialConfig
from tasks.dates import earliest_date, latest_date, precision, study_day
from tasks.distinct import per_distinct
from tasks.errors import BadInputError, ConfigError
from tasks.model import Cut

ADSL_VARIABLES = ("TRTSDT", "TRTEDT", "SAFFL", "TRT01A", "TRT01AN", "DTHDT")
TEXT_VARIABLES = ("AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESER", "AEACN", "AEREL", "AEOUT",
                  "AESDTH", "AESTDTC", "AEENDTC")
CTCAE_GRADES = (1, 2, 3, 4, 5)
FATAL_GRADE = 5
SEVERITY_RANK = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
IMPUTATION_FLAG = {"M": "D", "Y": "M"}       # precision of the partial date -> ADTF
# CDISC controlled terminology of AEACN (action taken with study treatment)
ACTION_DISCONTINUED = ("DRUG WITHDRAWN",)
ACTION_INTERRUPTED_OR_REDUCED = ("DRUG INTERRUPTED", "DOSE REDUCED")
WORST_GRADE_FLAGS = {"AOCCIFL": ["USUBJID"], "AOCCSIFL": ["USUBJID", "AEBODSYS"],
                     "AOCCPIFL": ["USUBJID", "AEBODSYS", "AEDECOD"]}


def build_adae(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig,
               doses: pd.DataFrame | None = None) -> pd.DataFrame:
    """ADAE of the cut (the cutoff already applied upstream; dates are never imputed past it).
    `doses`: the cut's ADEXREC when made already (adam_datasets), else made here from EX."""
    cutoff = pd.Timestamp(cut.cutoff)
    groups = cfg.aesi_groups()
    if doses is None:
        doses = build_adexrec(adsl, cut.get("ex"), cfg)
    adae = (cut["ae"].copy()
            .pipe(derive_grade)
            .pipe(complete_ae_variables)
            .pipe(merge_adsl_variables, adsl=adsl)
            .pipe(derive_end_date, cutoff=cutoff)
            .pipe(derive_start_date, cutoff=cutoff)
            .pipe(derive_study_days)
            .pipe(derive_var_trtemfl, window_days=cfg.safety.teae_window_days)
            .pipe(derive_relatedness, supp=cut.get("suppae"), cfg=cfg)
            .pipe(derive_aesi_groups, groups=groups)
            .pipe(derive_var_aesitefl, groups=groups,
                  long_groups=cfg.safety.aesi_long_window_groups,
                  window_days=cfg.safety.aesi_window_days)
            .pipe(derive_outcome_flags)
            .pipe(derive_worst_grade_flags)
            .pipe(derive_action_by_component, supp=cut.get("suppae"), doses=doses, cfg=cfg)
            .pipe(derive_onset_cycle, doses=doses))
    adae.index = pd.RangeIndex(len(adae))    # in place: reset_index would copy every variable
    return adae


def _flag(condition: pd.Series) -> pd.Series:
    """A record flag: "Y" where the condition holds, else None."""
    return pd.Series(y_or_none(condition.fillna(False).astype(bool)),
                     index=condition.index, dtype=object)


def analysis_grade_variable(adae: pd.DataFrame) -> str | None:
    """The numeric grade the tables count: ATOXGRN (CTCAE) when AE had grades, else ASEVN."""
    return next((v for v in ("ATOXGRN", "ASEVN") if v in adae.columns), None)


def derive_grade(ae: pd.DataFrame) -> pd.DataFrame:
    """ATOXGR/ATOXGRN from AETOXGR when the data has grades (the column with at least one value,
    or no AE at all); ASEV/ASEVN from AESEV. AETOXGR itself is always kept (empty when absent)."""
    has_grades = "AETOXGR" in ae and (ae.empty
                                      or ae["AETOXGR"].astype(str).str.strip().ne("").any())
    if has_grades:
        grade = numbers(ae["AETOXGR"])
        ae["ATOXGRN"] = grade.where(grade.isin(CTCAE_GRADES)).astype("float64")
        ae["ATOXGR"] = ae["ATOXGRN"].astype("Int64").astype("string").fillna("").astype(object)
    elif "AETOXGR" not in ae:
        ae["AETOXGR"] = ""
    if "AESEV" in ae:
        ae["ASEV"] = upper(ae["AESEV"])
        ae["ASEVN"] = ae["ASEV"].map(SEVERITY_RANK).astype("float64")
    return ae


def complete_ae_variables(ae: pd.DataFrame) -> pd.DataFrame:
    """Optional AE variables missing from the file are added empty, so every rule can read them."""
    for variable in TEXT_VARIABLES:
        if variable not in ae:
            ae[variable] = ""
    if "USUBJID" not in ae:
        raise BadInputError("ae: the variable USUBJID is missing")
    return ae


def merge_adsl_variables(ae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """TRTSDT, TRTEDT, SAFFL, TRT01A, TRT01AN, DTHDT of ADSL. An AE of a subject not in ADSL keeps
    missing values (never treatment-emergent; validation reports the subject)."""
    present = [v for v in ADSL_VARIABLES if v in adsl]
    subjects = adsl[["USUBJID", *present]].drop_duplicates("USUBJID")
    merged = ae.merge(subjects, on="USUBJID", how="left", validate="many_to_one")
    for variable in ("TRTSDT", "TRTEDT", "DTHDT"):
        merged[variable] = merged[variable].astype("datetime64[ns]") if variable in merged \
            else pd.Series(pd.NaT, index=merged.index, dtype="datetime64[ns]")
    return merged


def derive_end_date(adae: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """AENDT: a partial end date goes to its last possible day, but never after the death date or
    the cutoff (an event cannot end later than either); AENDTF records the imputation."""
    end = latest_date(adae["AEENDTC"]).astype("datetime64[ns]")
    ceiling = pd.concat([adae["DTHDT"], pd.Series(cutoff, index=adae.index)], axis=1).min(axis=1)
    adae["AENDT"] = end.mask(end > ceiling, ceiling).astype("datetime64[ns]")
    adae["AENDTF"] = precision(adae["AEENDTC"]).map(IMPUTATION_FLAG).fillna("")
    return adae


def derive_start_date(adae: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """ASTDT: a partial start date goes to its first possible day (missing day: the 1st; missing
    month and day: January 1st), or to TRTSDT when first dose lies within the partial date (then
    the event cannot be placed before first dose and counts from it); never after the end date or
    the cutoff, never before the partial date's first day. Complete dates are kept as they are.
    ASTDTF: "D" day imputed, "M" month and day imputed."""
    text = adae["AESTDTC"]
    prec = precision(text)
    partial = prec.isin(list(IMPUTATION_FLAG))
    first = earliest_date(text).astype("datetime64[ns]")
    last = latest_date(text).astype("datetime64[ns]")
    trtsdt = adae["TRTSDT"]
    first_dose_inside = partial & (first <= trtsdt) & (trtsdt <= last)
    start = first.mask(first_dose_inside, trtsdt)
    ceiling = pd.concat([adae["AENDT"], pd.Series(cutoff, index=adae.index)], axis=1).min(axis=1)
    start = start.mask(partial & (start > ceiling), ceiling)
    start = start.mask(partial & (start < first), first)
    adae["ASTDT"] = start.astype("datetime64[ns]")
    adae["ASTDTF"] = prec.map(IMPUTATION_FLAG).fillna("")
    return adae


def derive_study_days(adae: pd.DataFrame) -> pd.DataFrame:
    adae["ASTDY"] = study_day(adae["ASTDT"], adae["TRTSDT"])
    adae["AENDY"] = study_day(adae["AENDT"], adae["TRTSDT"])
    return adae


def treatment_emergent(adae: pd.DataFrame, window_days: int) -> pd.Series:
    """Onset on or after TRTSDT and no later than TRTEDT + window_days (no TRTEDT: any onset after
    first dose); an onset that cannot be dated counts unless the event ended before first dose.
    Subjects without a first dose have no treatment-emergent events."""
    start, trtsdt = adae["ASTDT"], adae["TRTSDT"]
    window_end = adae["TRTEDT"] + pd.Timedelta(days=window_days)
    dated = (start >= trtsdt) & (window_end.isna() | (start <= window_end))
    undated = start.isna() & (adae["AENDT"].isna() | (adae["AENDT"] >= trtsdt))
    return trtsdt.notna() & (dated | undated)


def derive_var_trtemfl(adae: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """TRTEMFL by treatment_emergent(). Worsening: SDTM records a change in grade as a new AE
    record starting on the day it worsened, so a pre-treatment event that worsens after first dose
    appears as a later record at the higher grade, which is treatment-emergent by its own onset.
    Data with one record per event (grade at onset only) cannot show worsening; with a maximum
    grade in SUPPAE, the rule would be: a record starting before TRTSDT, ongoing at TRTSDT, whose
    maximum grade exceeds its grade at onset (or a later record of the same AEDECOD with a higher
    grade), is treatment-emergent."""
    adae["TRTEMFL"] = _flag(treatment_emergent(adae, window_days))
    return adae


def _seq_key(values: pd.Series) -> pd.Series:
    """AESEQ / IDVARVAL as a join key: "3", "3.0" and " 3" are the same sequence number."""
    return per_distinct(values,
                        lambda s: s.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True))


def supp_qualifiers(supp: pd.DataFrame | None, qnams: list[str]) -> dict[str, pd.Series]:
    """SUPPAE QVAL per QNAM (IDVAR AESEQ), indexed by USUBJID and sequence key; the first record
    of a key when SUPPAE repeats it."""
    if supp is None or supp.empty:
        return {}
    wanted = supp["QNAM"].isin(qnams) & upper(supp["IDVAR"]).eq("AESEQ")
    rows = supp.loc[wanted.to_numpy(), ["USUBJID", "IDVARVAL", "QNAM", "QVAL"]]  # not all of SUPPAE
    rows = rows.assign(_SEQ=_seq_key(rows["IDVARVAL"])).drop_duplicates(["QNAM", "USUBJID", "_SEQ"])
    return {str(qnam): group.set_index(["USUBJID", "_SEQ"])["QVAL"]
            for qnam, group in rows.groupby("QNAM")}


def relatedness_components(cfg: TrialConfig) -> list[tuple[str, str, str, str]]:
    """(code, label, SUPPAE QNAM, ADAE flag variable) of each configured component whose
    relatedness is recorded. Without configured components relatedness comes from AEREL only."""
    return [(c.code, c.label, c.relatedness_qnam, f"REL_{c.code}")
            for c in cfg.study.components if c.relatedness_qnam]


def derive_relatedness(adae: pd.DataFrame, supp: pd.DataFrame | None,
                       cfg: TrialConfig) -> pd.DataFrame:
    """REL_<code> per component (its SUPPAE QVAL, else AEREL) and RELFL (AEREL or any component).
    A value in safety.related_values is related; an empty assessment is related when
    safety.missing_relatedness_as_related (RELFL: when AEREL and every component are empty)."""
    related_values = {v.upper() for v in cfg.safety.related_values}
    missing_related = cfg.safety.missing_relatedness_as_related
    components = relatedness_components(cfg)
    qnams = [qnam for _, _, qnam, _ in components]
    key = pd.MultiIndex.from_arrays([adae["USUBJID"], _seq_key(adae["AESEQ"])])
    qualifiers = supp_qualifiers(supp, qnams)
    overall = upper(adae["AEREL"])
    known = overall.ne("")
    related = overall.isin(related_values)
    for _, _, qnam, variable in components:
        qval = qualifiers.get(qnam, pd.Series(dtype=object))
        adae[qnam] = (pd.Series(qval.reindex(key).to_numpy(), index=adae.index).fillna("")
                      .astype(object))
        own = upper(adae[qnam])
        text = own.where(own.ne(""), overall)
        adae[variable] = _flag(text.isin(related_values) | (text.eq("") & missing_related))
        known |= text.ne("")
        related |= text.isin(related_values)
    adae["RELFL"] = _flag(related | (~known & missing_related))
    return adae


def aesi_variables(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """AESI group name -> its ADAE variable CQnnNAM (nn: the group's place in config/aesi.yaml)."""
    return {name: f"CQ{i:02d}NAM" for i, name in enumerate(groups, start=1)}


def derive_aesi_groups(adae: pd.DataFrame, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """CQnnNAM = the group's name on records whose AEDECOD (upper case) is one of its terms."""
    decod = upper(adae["AEDECOD"])
    for name, variable in aesi_variables(groups).items():
        # the group's name, else None (numpy's stubs take arrays only for the values)
        named = np.where(decod.isin(groups[name]), name, None)  # type: ignore[call-overload]
        adae[variable] = pd.Series(named, index=adae.index, dtype=object)
    return adae


def derive_var_aesitefl(adae: pd.DataFrame, groups: dict[str, tuple[str, ...]],
                        long_groups: tuple[str, ...], window_days: int) -> pd.DataFrame:
    """AESITEFL: records of a long-window AESI group, treatment-emergent with `window_days`."""
    unknown = [g for g in long_groups if g not in groups]
    if unknown:
        raise ConfigError(f"safety.aesi_long_window_groups names {unknown}, which are not groups "
                          f"of the AESI file (groups: {list(groups)})")
    variables = aesi_variables(groups)
    in_long_group = pd.Series(False, index=adae.index)
    for name in long_groups:
        in_long_group |= adae[variables[name]].notna()
    adae["AESITEFL"] = _flag(in_long_group & treatment_emergent(adae, window_days))
    return adae


def fatal(ae: pd.DataFrame) -> pd.Series:
    """A fatal AE (docs/safety.md): AEOUT FATAL, AESDTH Y or CTCAE grade (AETOXGR) 5; any case
    and surrounding blanks. The one definition, for ADAE FATALFL and ADSL's death cause. AE
    variables missing from the frame count as empty."""
    def text(variable: str) -> pd.Series:
        return upper(ae[variable]) if variable in ae else pd.Series("", index=ae.index)
    grade = numbers(ae["AETOXGR"]) if "AETOXGR" in ae else pd.Series(np.nan, index=ae.index)
    return text("AEOUT").eq("FATAL") | text("AESDTH").eq("Y") | grade.eq(FATAL_GRADE)


def derive_outcome_flags(adae: pd.DataFrame) -> pd.DataFrame:
    """FATALFL (fatal()), DISCFL and INTRFL from AEACN."""
    adae["FATALFL"] = _flag(fatal(adae))
    action = upper(adae["AEACN"])
    adae["DISCFL"] = _flag(action.isin(ACTION_DISCONTINUED))
    adae["INTRFL"] = _flag(action.isin(ACTION_INTERRUPTED_OR_REDUCED))
    return adae


def derive_worst_grade_flags(adae: pd.DataFrame) -> pd.DataFrame:
    """AOCCIFL / AOCCSIFL / AOCCPIFL on the first treatment-emergent record of the highest grade
    (missing grades last, then earliest ASTDT, then lowest AESEQ) per subject / SOC / PT."""
    grade = analysis_grade_variable(adae)
    # only the variables read: a copy of every ADAE variable would be most of ADAE again
    read = {v for keys in WORST_GRADE_FLAGS.values() for v in keys} | {"ASTDT", "AESEQ"}
    read |= {grade} if grade else set()
    emergent = adae.loc[adae["TRTEMFL"].eq("Y").to_numpy(), sorted(read)]
    ordered = emergent.assign(
        _GRADE=emergent[grade] if grade else np.nan,
        _SEQN=pd.to_numeric(emergent["AESEQ"], errors="coerce"),
    ).sort_values(["_GRADE", "ASTDT", "_SEQN"], ascending=[False, True, True], na_position="last",
                  kind="mergesort")
    for variable, keys in WORST_GRADE_FLAGS.items():
        first = ordered.index[~ordered.duplicated(keys)]
        adae[variable] = _flag(adae.index.to_series().isin(first))
    return adae


ACTION_FROM_EX = {"WITHHLFL": "DRUG INTERRUPTED", "REDUCEFL": "DOSE REDUCED"}


def _next_dose(adae: pd.DataFrame, doses: pd.DataFrame) -> pd.DataFrame:
    """Per AE record (index of `adae`): the first of `doses` strictly after its onset (ASTDT)."""
    events = adae.loc[adae["ASTDT"].notna(), ["USUBJID", "ASTDT"]].reset_index()
    later = doses.loc[doses["ASTDT"].notna().to_numpy(), ["USUBJID", "ASTDT", *ACTION_FROM_EX]] \
        .sort_values("ASTDT", kind="mergesort")
    found = pd.merge_asof(events.sort_values("ASTDT", kind="mergesort"), later, on="ASTDT",
                          by="USUBJID", direction="forward", allow_exact_matches=False)
    return found.set_index("index")


def derive_action_by_component(adae: pd.DataFrame, supp: pd.DataFrame | None,
                               doses: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """ACN_<code> per configured component (see the module docstring). Reading EX: the first
    dose of the component's drugs after the onset, withheld or reduced: with several AEs before
    one dose, each of them is credited with the change. When EX shows no change at all, AEACN
    (a delayed dose, a withdrawal) stands for every component."""
    key = pd.MultiIndex.from_arrays([adae["USUBJID"], _seq_key(adae["AESEQ"])])
    components = cfg.study.components
    qualifiers = supp_qualifiers(supp, [c.action_qnam for c in components if c.action_qnam])
    overall = upper(adae["AEACN"])
    recorded, from_ex = {}, {}
    for component in components:
        values = (qualifiers.get(component.action_qnam, pd.Series(dtype=object))
                  if component.action_qnam else pd.Series(dtype=object))
        recorded[component.code] = upper(pd.Series(values.reindex(key).to_numpy(), index=adae.index)
                                         .fillna("").astype(str))
        nxt = _next_dose(adae, doses[doses["COMPCD"].eq(component.code).to_numpy()]) \
            .reindex(adae.index)
        change = pd.Series("", index=adae.index, dtype=object)
        for flag, value in ACTION_FROM_EX.items():
            change = change.mask(nxt[flag].eq("Y").to_numpy() & change.eq(""), value)
        from_ex[component.code] = change
    changed_any = ((pd.concat(from_ex.values(), axis=1) != "").any(axis=1) if from_ex
                   else pd.Series(False, index=adae.index))
    for component in components:
        fallback = overall.mask(changed_any, "DOSE NOT CHANGED")
        inferred = from_ex[component.code].where(from_ex[component.code].ne(""), fallback)
        action = recorded[component.code]
        adae[f"ACN_{component.code}"] = action.where(action.ne(""), inferred)
    return adae


def derive_onset_cycle(adae: pd.DataFrame, doses: pd.DataFrame) -> pd.DataFrame:
    """ACYCLE: the cycle of the subject's last EX record on or before the onset."""
    events = adae.loc[adae["ASTDT"].notna(), ["USUBJID", "ASTDT"]].reset_index()
    cycles = doses.loc[doses["ASTDT"].notna() & doses["ACYCLE"].notna(),
                       ["USUBJID", "ASTDT", "ACYCLE"]]
    found = pd.merge_asof(events.sort_values("ASTDT", kind="mergesort"),
                          cycles.sort_values("ASTDT", kind="mergesort"), on="ASTDT", by="USUBJID",
                          direction="backward").set_index("index")
    adae["ACYCLE"] = found["ACYCLE"].reindex(adae.index).astype("float64")
    return adae
