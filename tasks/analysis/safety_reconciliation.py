"""AE and laboratory reconciliation (docs/safety.md item 12, Listing 14.3.11): treatment-
emergent AEs of laboratory type of grade >= safety.reconciliation.min_grade without a value of
their test of that grade within window_days of onset, and on-treatment values of that grade
without an AE of the test (its terms, or a diagnosis that accounts for it) around their date."""
from __future__ import annotations

import pandas as pd

from tasks.adam.adae import analysis_grade_variable
from tasks.analysis.safety_listings import listing_blocks
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt

AE_WITHOUT_LAB = "AE without a supporting laboratory value"
LAB_WITHOUT_AE = "Laboratory value without an AE"
COLUMNS = ["FINDING", "USUBJID", "TRT01A", "TEST", "AESEQ", "AEDECOD", "AEGRADE", "ASTDT", "AENDT",
           "ASTDY", "ADT", "ADY", "AVAL", "AVALU", "R2ULN", "LBGRADE"]


DATES, NUMBERS = ("ASTDT", "AENDT", "ADT"), ("AEGRADE", "ASTDY", "ADY", "AVAL", "R2ULN", "LBGRADE")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """COLUMNS with one dtype each, whichever kind of finding the frame holds."""
    frame = frame.reindex(columns=COLUMNS)
    return frame.astype({**{c: "datetime64[ns]" for c in DATES}, **{c: "float64" for c in NUMBERS},
                         **{c: object for c in COLUMNS if c not in DATES + NUMBERS}})


def _terms(values: tuple[str, ...]) -> list[str]:
    return [v.upper() for v in values]


def _lab_rows(adlb: pd.DataFrame, tests: list[str]) -> pd.DataFrame:
    keep = ["USUBJID", "PARAMCD", "ADT", "ADY", "AVAL", "AVALU", "R2ULN", "ATOXGRN", "ONTRTFL"]
    rows = adlb.loc[adlb["PARAMCD"].isin(tests).to_numpy() & adlb["ATOXGRN"].notna().to_numpy(),
                    keep]
    return rows.rename(columns={"PARAMCD": "TEST", "ATOXGRN": "LBGRADE"})


def unsupported_aes(adae: pd.DataFrame, labs: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Lab-type TEAEs of at least the minimum grade without a value of that grade within the
    window of onset; the worst value within the window (if any) is shown with them."""
    rec = cfg.safety.reconciliation
    grade = analysis_grade_variable(adae)
    if grade != "ATOXGRN":
        return _typed(pd.DataFrame())
    decod = adae["AEDECOD"].fillna("").astype(str).str.strip().str.upper()
    severe = adae["TRTEMFL"].eq("Y") & (adae["ATOXGRN"] >= rec.min_grade)
    parts = [adae[severe & decod.isin(_terms(spec.terms))].assign(TEST=test)
             for test, spec in rec.tests.items()]
    events = pd.concat(parts) if parts else adae.iloc[:0].assign(TEST="")
    events = events[["USUBJID", "TRT01A", "TEST", "AESEQ", "AEDECOD", "ATOXGRN", "ASTDT", "AENDT",
                     "ASTDY"]].rename(columns={"ATOXGRN": "AEGRADE"}).reset_index(names="_ROW")
    near = events.merge(labs, on=["USUBJID", "TEST"], how="inner")
    near = near[(near["ADT"] - near["ASTDT"]).dt.days.abs() <= rec.window_days]
    supported = set(near.loc[near["LBGRADE"] >= rec.min_grade, "_ROW"])
    worst = near.sort_values(["_ROW", "LBGRADE", "ADT"], ascending=[True, False, True],
                             kind="mergesort").drop_duplicates("_ROW")
    out = events[~events["_ROW"].isin(supported)].merge(
        worst[["_ROW", "ADT", "ADY", "AVAL", "AVALU", "R2ULN", "LBGRADE"]], on="_ROW", how="left")
    return _typed(out.assign(FINDING=AE_WITHOUT_LAB))


def unexplained_values(adae: pd.DataFrame, labs: pd.DataFrame, adsl: pd.DataFrame,
                       cfg: TrialConfig, cutoff: pd.Timestamp) -> pd.DataFrame:
    """On-treatment values of at least the minimum grade without an AE of the test's terms or
    explaining diagnoses whose onset - window .. end + window (ongoing: the cutoff) holds them."""
    rec = cfg.safety.reconciliation
    values = labs[labs["ONTRTFL"].eq("Y") & (labs["LBGRADE"] >= rec.min_grade)]
    values = values.reset_index(names="_ROW")
    decod = adae["AEDECOD"].fillna("").astype(str).str.strip().str.upper()
    parts = [adae[decod.isin(_terms(spec.terms + spec.explained_by))].assign(TEST=test)
             for test, spec in rec.tests.items()]
    events = pd.concat(parts) if parts else adae.iloc[:0].assign(TEST="")
    pairs = values.merge(events[["USUBJID", "TEST", "ASTDT", "AENDT"]], on=["USUBJID", "TEST"])
    window = pd.Timedelta(days=rec.window_days)
    end = pairs["AENDT"].fillna(cutoff)
    covered = (pairs["ADT"] >= pairs["ASTDT"] - window) & (pairs["ADT"] <= end + window)
    explained = set(pairs.loc[covered, "_ROW"])
    out = values[~values["_ROW"].isin(explained)]
    arms = adsl.drop_duplicates("USUBJID").set_index("USUBJID")["TRT01A"]
    return _typed(out.assign(FINDING=LAB_WITHOUT_AE, TRT01A=out["USUBJID"].map(arms)))


def reconciliation_data(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame,
                        cfg: TrialConfig, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Both kinds of findings, by subject, test and date."""
    present = set(adlb["PARAMCD"].unique())
    tests = [t for t in cfg.safety.reconciliation.tests if t in present]
    labs = _lab_rows(adlb, tests)
    parts = [part for part in (unsupported_aes(adae, labs, cfg),
                               unexplained_values(adae, labs, adsl, cfg, cutoff)) if len(part)]
    found = pd.concat(parts, ignore_index=True) if parts else _typed(pd.DataFrame())
    found["_DATE"] = found["ASTDT"].fillna(found["ADT"])
    return (found.sort_values(["USUBJID", "_DATE", "TEST", "FINDING"], kind="mergesort")
            .drop(columns="_DATE").reset_index(drop=True))


def _grade(value: float | None) -> str:
    return "" if pd.isna(value) else fmt.count(value)


def reconciliation_blocks(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame,
                          cfg: TrialConfig, cutoff: pd.Timestamp) -> list[Block]:
    """A summary line and Listing 14.3.11 (to tables/ only when long; a sentence when empty)."""
    rec = cfg.safety.reconciliation
    data = reconciliation_data(adsl, adae, adlb, cfg, cutoff)
    n_ae = int(data["FINDING"].eq(AE_WITHOUT_LAB).sum())
    n_lab = int(data["FINDING"].eq(LAB_WITHOUT_AE).sum())
    grade = fmt.count(rec.min_grade)
    window = fmt.count(rec.window_days)
    display = pd.DataFrame({
        "Finding": data["FINDING"], "Subject": data["USUBJID"].map(fmt.text),
        "Test": data["TEST"].map(fmt.text),
        "AE (grade)": [f"{fmt.text(t)} ({_grade(g)})" if fmt.text(t) else ""
                       for t, g in zip(data["AEDECOD"], data["AEGRADE"])],
        "AE onset day": [fmt.number(v, 0) if pd.notna(v) else "" for v in data["ASTDY"]],
        "Lab day": [fmt.number(v, 0) if pd.notna(v) else "" for v in data["ADY"]],
        "Value (x ULN)": [f"{fmt.text(v)} {fmt.text(u)} ({fmt.number(r, 1)})".replace("  ", " ")
                          if pd.notna(v) else "None within the window"
                          for v, u, r in zip(data["AVAL"], data["AVALU"], data["R2ULN"])],
        "Lab grade": [_grade(g) for g in data["LBGRADE"]]})
    tests = "; ".join(f"{t}: {', '.join(s.terms).lower()}" for t, s in rec.tests.items())
    notes = [f"{AE_WITHOUT_LAB}: a treatment-emergent AE of laboratory type of CTCAE grade >= "
             f"{grade} with no value of its test of grade >= {grade} within {window} days of "
             "onset (either side); the worst value of the test in that window is shown, if any.",
             f"{LAB_WITHOUT_AE}: an on-treatment value of grade >= {grade} with no AE of the "
             f"test's terms, or of a diagnosis that accounts for it, from {window} days before "
             f"onset to {window} days after its end (ongoing: the cutoff).",
             f"Laboratory terms by test: {tests}. Grades: CTCAE v5.0 from the values (ADLB "
             "ATOXGRN), AE grades as recorded (AETOXGR). For the data managers to query."]
    table = Table(id="l_14_3_11_ae_lab_reconciliation", number="14.3.11",
                  title="AE and laboratory reconciliation", population="Safety population",
                  data=data, display=display, footnotes=notes, source="ADSL, ADAE, ADLB",
                  landscape=True)
    summary = Paragraph(f"AE and laboratory reconciliation: {fmt.count(n_ae)} AE record(s) of "
                        f"grade >= {grade} without a supporting laboratory value, "
                        f"{fmt.count(n_lab)} laboratory value(s) of grade >= {grade} without an "
                        "AE.")
    if data.empty:
        sentence = (f"None: every lab-type AE of grade >= {grade} had a supporting value and every "
                    f"value of grade >= {grade} an AE.")
        table.display = pd.DataFrame([[sentence] + [""] * (len(display.columns) - 1)],
                                     columns=display.columns)
        return [summary, table]
    return [summary, *listing_blocks(table, cfg)]
