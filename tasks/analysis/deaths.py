"""Deaths told once: DM/DS deaths reconciled with fatal AEs in one frame, from which the deaths
table (14.3.6.1), the listing of deaths (14.3.6.2), the safety results and the DSMB's attention
items (each death in the window without a fatal AE record, or of unknown cause) are made.

One row per subject who died (ADSL DTHFL) or has a fatal AE (ADAE FATALFL: AEOUT FATAL, AESDTH Y
or grade 5) at the cut. A death after the cutoff counts nowhere: the cutoff cleared it in DM and in
the fatal outcome of its AEs (tasks.ingest.cutoff).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.analysis.arms import column_header
from tasks.analysis.once import once_per_input
from tasks.analysis.safety_counts import Columns
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import Safety, TrialConfig
from tasks.model import Table
from tasks.report import formatting as fmt

DEATH_CATEGORIES = ("ADVERSE EVENT", "DISEASE PROGRESSION", "OTHER")
MISSING_TEXT = "Missing"
NO_DEATH_RECORDED = "fatal AE without a recorded death"
NO_FATAL_AE = "death within the window without a fatal AE record"
UNKNOWN_CAUSE = "cause of death unknown"
DEATH_COLUMNS = ["USUBJID", "TRT01A", "SAFFL", "DTHFL", "DTHDT", "DTHDY", "DAYS_AFTER_LAST_DOSE",
                 "WITHIN_WINDOW", "DTHCAUS", "DTHCGR1", "UNKNOWNFL", "FATAL_AE", "FATAL_TEAE",
                 "ONGOING_SAE", "ATTENTION"]


def _terms(records: pd.DataFrame, text: pd.Series) -> pd.Series:
    """Per subject, the distinct `text` of its records, sorted and joined with '; '."""
    return text.groupby(records["USUBJID"]).agg(lambda values: "; ".join(sorted(set(values))))


def _grade_text(adae: pd.DataFrame) -> pd.Series:
    grade = adae["ATOXGR"] if "ATOXGR" in adae.columns else pd.Series("", index=adae.index)
    grade = grade.fillna("")
    return adae["AEDECOD"].astype(str) + np.where(grade.ne(""), " (grade " + grade + ")", "")


def _ongoing_saes(dead: pd.DataFrame, adae: pd.DataFrame) -> pd.Series:
    """Per subject who died: its serious AEs started by the death and not ended before it."""
    serious = adae[adae["AESER"].eq("Y")].drop(columns="DTHDT", errors="ignore").merge(
        dead[["USUBJID", "DTHDT"]], on="USUBJID")
    ongoing = serious[(serious["ASTDT"] <= serious["DTHDT"])
                      & (serious["AENDT"].isna() | (serious["AENDT"] >= serious["DTHDT"]))]
    return _terms(ongoing, _grade_text(ongoing))


@once_per_input
def death_reconciliation(adsl: pd.DataFrame, adae: pd.DataFrame, rules: Safety) -> pd.DataFrame:
    """DEATH_COLUMNS, by USUBJID. WITHIN_WINDOW: Y/N (death - last dose <= death_window_days), ""
    when never dosed or no death; UNKNOWNFL: a death whose cause (DTHCAUS) is missing or one of
    rules.unknown_death_causes; FATAL_AE / FATAL_TEAE: preferred terms of the fatal AEs / Y when
    one is treatment-emergent; ATTENTION: why the DSMB should look (NO_FATAL_AE, UNKNOWN_CAUSE,
    NO_DEATH_RECORDED), '; '-joined."""
    fatal = adae[adae["FATALFL"].eq("Y")]
    subjects = adsl["DTHFL"].eq("Y") | adsl["USUBJID"].isin(fatal["USUBJID"])
    out = adsl.loc[subjects, ["USUBJID", "TRT01A", "SAFFL", "DTHFL", "DTHDT", "TRTSDT", "TRTEDT",
                              "DTHCAUS", "DTHCGR1"]].copy()
    died = out["DTHFL"].eq("Y")
    out["DTHDY"] = (out["DTHDT"] - out["TRTSDT"]).dt.days.astype("float64") + 1
    out["DAYS_AFTER_LAST_DOSE"] = (out["DTHDT"] - out["TRTEDT"]).dt.days.astype("float64")
    days = out["DAYS_AFTER_LAST_DOSE"]
    out["WITHIN_WINDOW"] = np.select([days.isna(), days <= rules.death_window_days], ["", "Y"], "N")
    cause = out["DTHCAUS"].fillna("").str.strip().str.upper()
    unknown = died & (cause.eq("") | cause.isin(rules.unknown_death_causes))
    out["UNKNOWNFL"] = np.where(unknown, "Y", "")
    out["DTHCGR1"] = out["DTHCGR1"].fillna("").replace("", "OTHER").where(died, "")
    out["FATAL_AE"] = out["USUBJID"].map(_terms(fatal, fatal["AEDECOD"].astype(str))).fillna("")
    emergent = fatal.loc[fatal["TRTEMFL"].eq("Y"), "USUBJID"]
    out["FATAL_TEAE"] = np.where(out["USUBJID"].isin(emergent), "Y", "")
    out["ONGOING_SAE"] = out["USUBJID"].map(_ongoing_saes(out[died], adae)).fillna("")
    reasons = [(died & out["WITHIN_WINDOW"].eq("Y") & out["FATAL_AE"].eq(""), NO_FATAL_AE),
               (out["UNKNOWNFL"].eq("Y"), UNKNOWN_CAUSE), (~died, NO_DEATH_RECORDED)]
    out["ATTENTION"] = [
        "; ".join(text for (mask, text) in reasons if mask.loc[i]) for i in out.index]
    return out[DEATH_COLUMNS].sort_values("USUBJID").reset_index(drop=True)


def deaths_table(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                 cfg: TrialConfig) -> Table:
    """Table 14.3.6.1: deaths in the safety population by cause category, by time from last dose,
    with or without a fatal AE record; fatal AEs without a recorded death."""
    window = fmt.count(cfg.safety.death_window_days)
    frame = death_reconciliation(adsl, adae, cfg.safety)
    dead = frame[frame["DTHFL"].eq("Y")]
    categories = list(DEATH_CATEGORIES) + sorted(set(dead["DTHCGR1"]) - set(DEATH_CATEGORIES))
    in_window, with_fatal = dead["WITHIN_WINDOW"].eq("Y"), dead["FATAL_AE"].ne("")
    rows = [("Deaths", pd.Series(True, index=dead.index), dead)]
    rows += [(f"   {c.capitalize()}", dead["DTHCGR1"].eq(c), dead) for c in categories]
    rows += [("   Cause unknown", dead["UNKNOWNFL"].eq("Y"), dead),
             (f"Within {window} days of last dose", in_window, dead),
             ("   Of them without a fatal AE record", in_window & ~with_fatal, dead),
             (f"More than {window} days after last dose", dead["WITHIN_WINDOW"].eq("N"), dead),
             ("With a fatal AE record", with_fatal, dead),
             ("Without a fatal AE record", ~with_fatal, dead),
             ("Fatal TEAE (Table 14.3.1)", frame["FATAL_TEAE"].eq("Y"), frame),
             ("Fatal AE without a recorded death", frame["DTHFL"].ne("Y"), frame)]
    records = []
    for order, (label, mask, part) in enumerate(rows, start=1):
        for column, subjects in columns:
            n = int(part.loc[mask & part["USUBJID"].isin(subjects), "USUBJID"].nunique())
            records.append({"ORDER": order, "CATEGORY": label.strip(), "COLUMN": column,
                            "N": len(subjects), "n": n,
                            "pct": 100.0 * n / len(subjects) if len(subjects) else np.nan})
    data = pd.DataFrame(records, columns=["ORDER", "CATEGORY", "COLUMN", "N", "n", "pct"])
    display = pd.DataFrame({"Category": [label for label, _, _ in rows]})
    for column, subjects in columns:
        part = data[data["COLUMN"] == column]
        display[column_header(column, len(subjects))] = [fmt.n_pct(n, N)
                                                         for n, N in zip(part["n"], part["N"])]
    unknown = ", ".join(cfg.safety.unknown_death_causes)
    notes = ["Deaths: DM DTHFL or a DS record DEATH, on or before the cutoff (a death after the "
             "cutoff, and the fatal outcome of its AEs, are cleared by the cutoff and count "
             "nowhere).",
             "Cause category (ADSL DTHCGR1): adverse event (a fatal AE), disease progression, "
             f"other. Cause unknown: no cause recorded, or recorded as {unknown}.",
             f"Days after last dose: date of death - date of last dose of any study drug; within "
             f"{window} days when at most {window}.",
             "Fatal AE record: AEOUT = FATAL, AESDTH = Y or grade 5, treatment-emergent or not; a "
             "death in the window without one, a death of unknown cause and a fatal AE without a "
             "recorded death are listed in Listing 14.3.6.2 and on the DSMB's page.",
             "n (%): subjects, percentage of the safety population N of the column."]
    return Table(id="t_14_3_6_1_deaths", number="14.3.6.1", title="Deaths and fatal adverse events",
                 population=population(columns), data=data, display=display, footnotes=notes,
                 source="ADSL, ADAE", landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def death_listing(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig) -> Table:
    """Listing 14.3.6.2: every death of the cut and every fatal AE without a recorded death."""
    data = death_reconciliation(adsl, adae, cfg.safety)
    window = fmt.count(cfg.safety.death_window_days)
    display = pd.DataFrame({
        "Subject": data["USUBJID"].map(fmt.text), "Treatment": data["TRT01A"].map(fmt.text),
        "Date of death": data["DTHDT"].map(fmt.iso_date),
        "Study day": [fmt.number(v, 0) if pd.notna(v) else "" for v in data["DTHDY"]],
        "Days after last dose": [fmt.number(v, 0) if pd.notna(v) else ""
                                 for v in data["DAYS_AFTER_LAST_DOSE"]],
        f"Within {window} days": [w or ("NE" if d == "Y" else "") for w, d in
                                  zip(data["WITHIN_WINDOW"], data["DTHFL"])],
        "Cause": [fmt.text(c) or (MISSING_TEXT if d == "Y" else "") for c, d in
                  zip(data["DTHCAUS"], data["DTHFL"])],
        "Category": data["DTHCGR1"].map(fmt.text),
        "Fatal AE (preferred terms)": data["FATAL_AE"].map(fmt.text),
        "Serious AEs ongoing at death": data["ONGOING_SAE"].map(fmt.text),
        "For the DSMB's attention": data["ATTENTION"].map(fmt.text)})
    notes = ["Study day: day 1 = first dose. Days after last dose: NE when the subject was never "
             "dosed.",
             "Fatal AE: AEOUT = FATAL, AESDTH = Y or grade 5. Serious AEs ongoing at death: "
             "started on or before the death and not ended before it (grade in brackets).",
             "A subject with a fatal AE but no recorded death (DM, DS) is listed without a date of "
             "death."]
    return Table(id="t_14_3_6_2_death_listing", number="14.3.6.2",
                 title="Listing of deaths and fatal adverse events",
                 population="All subjects who died or had a fatal adverse event", data=data,
                 display=display, footnotes=notes, source="ADSL, ADAE", landscape=True,
                 empty_text="None: no subject died or had a fatal adverse event.")
