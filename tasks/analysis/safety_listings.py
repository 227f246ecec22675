"""Subject-level safety listings and the deaths table: SAE listing (14.3.5.2), deaths summary
(14.3.6.1) and death listing (14.3.6.2); long listings go to tables/<id>.csv only."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.adae import relatedness_components
from tasks.analysis.arms import column_header
from tasks.analysis.safety_counts import Columns
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt

DEATH_CATEGORIES = ("ADVERSE EVENT", "DISEASE PROGRESSION", "OTHER")
MISSING_TEXT = "Missing"


def listing_blocks(table: Table, cfg: TrialConfig) -> list[Block]:
    """The listing, in the PDF when short; longer than report.max_listing_rows_in_pdf rows it is
    written to tables/<id>.csv only and the PDF says so. An empty listing prints "None"."""
    limit = cfg.report.max_listing_rows_in_pdf
    if table.data.empty:
        table.display = pd.DataFrame([["None"] + [""] * (len(table.display.columns) - 1)],
                                     columns=table.display.columns)
    if not table.as_listing(limit).csv_only:
        return [table]
    return [table, Paragraph(
        f"Listing {table.number} has {fmt.count(len(table.data))} rows, more than the "
        f"{fmt.count(limit)} printed in this report: it is provided in full as "
        f"tables/{table.id}.csv.", style="note")]


def _text_or_missing(values: pd.Series) -> list[str]:
    return [fmt.text(v) or MISSING_TEXT for v in values]


def _day(values: pd.Series) -> list[str]:
    return [MISSING_TEXT if pd.isna(v) else fmt.number(v, 0) for v in values]


def _term(preferred: object, reported: object) -> str:
    preferred, reported = fmt.text(preferred), fmt.text(reported)
    return f"{preferred} ({reported})" if reported and reported.upper() != preferred.upper() else preferred


def sae_listing(adae: pd.DataFrame, cfg: TrialConfig, scale_variable: str | None) -> Table:
    """Every serious AE (AESER = Y) of the cut, treatment-emergent or not, by subject and onset."""
    components = relatedness_components(cfg)
    sae = adae[adae["AESER"].eq("Y")].sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="mergesort")
    grade = sae["ATOXGR"] if scale_variable == "ATOXGRN" else sae.get("ASEV", pd.Series("", index=sae.index))
    data = pd.DataFrame({
        "USUBJID": sae["USUBJID"], "TRT01A": sae["TRT01A"], "AEBODSYS": sae["AEBODSYS"],
        "AEDECOD": sae["AEDECOD"], "AETERM": sae["AETERM"], "ASTDT": sae["ASTDT"],
        "ASTDY": sae["ASTDY"], "GRADE": grade, "AEOUT": sae["AEOUT"], "AEREL": sae["AEREL"],
        "RELFL": sae["RELFL"].fillna("N"), "TRTEMFL": sae["TRTEMFL"].fillna("N"),
        **{variable: sae[variable].fillna("N") for _, _, _, variable in components},
    }).reset_index(drop=True)
    related = data["RELFL"].map({"Y": "Any: Y", "N": "Any: N"})
    for code, _, _, variable in components:
        related = related + f"; {code}: " + data[variable]
    display = pd.DataFrame({
        "Subject": data["USUBJID"].map(fmt.text), "Treatment": data["TRT01A"].map(fmt.text),
        "Preferred term (reported term)": [_term(p, t) for p, t in zip(data["AEDECOD"], data["AETERM"])],
        "Onset day": _day(data["ASTDY"]), "Grade": _text_or_missing(data["GRADE"]),
        "Outcome": _text_or_missing(data["AEOUT"]), "Related": related.tolist(),
        "TEAE": data["TRTEMFL"].tolist()})
    notes = ["All serious adverse events (AESER = Y) of the cut, treatment-emergent (TEAE = Y) or not.",
             "Onset day: study day of ASTDT (day 1 = first dose); partial dates imputed (ASTDTF).",
             "Related: Y/N to any study drug and to each drug (AEREL or the drug's SUPPAE assessment)."]
    return Table(id="t_14_3_5_2_sae_listing", number="14.3.5.2", title="Listing of serious adverse events",
                 population="All subjects with a serious adverse event", data=data, display=display,
                 footnotes=notes, source="ADSL, ADAE", landscape=True)


def _death_frame(adsl: pd.DataFrame, adae: pd.DataFrame, window: int) -> pd.DataFrame:
    dead = adsl[adsl["DTHFL"].eq("Y")].copy()
    dead["DAYS_AFTER_LAST_DOSE"] = (dead["DTHDT"] - dead["TRTEDT"]).dt.days.astype("float64")
    dead["WITHIN_WINDOW"] = np.select(
        [dead["DAYS_AFTER_LAST_DOSE"].isna(), dead["DAYS_AFTER_LAST_DOSE"] <= window], ["", "Y"], "N")
    fatal = adae[adae["FATALFL"].eq("Y")].groupby("USUBJID")["AEDECOD"].agg(
        lambda terms: "; ".join(sorted(set(terms))))
    dead["FATAL_AE"] = dead["USUBJID"].map(fatal).fillna("")
    dead["DTHCGR1"] = dead["DTHCGR1"].replace("", "OTHER")
    return dead


def deaths_table(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> Table:
    """Deaths in the safety population: number, cause category, within the window of last dose."""
    window = cfg.safety.death_window_days
    dead = _death_frame(adsl, adae, window)
    categories = list(DEATH_CATEGORIES) + sorted(set(dead["DTHCGR1"]) - set(DEATH_CATEGORIES))
    rows = [("Deaths", pd.Series(True, index=dead.index))]
    rows += [(f"   {c.capitalize()}", dead["DTHCGR1"].eq(c)) for c in categories]
    rows += [(f"Within {fmt.count(window)} days of last dose", dead["WITHIN_WINDOW"].eq("Y")),
             (f"More than {fmt.count(window)} days after last dose", dead["WITHIN_WINDOW"].eq("N"))]
    records = []
    for order, (label, mask) in enumerate(rows, start=1):
        for column, subjects in columns:
            n = int(dead.loc[mask & dead["USUBJID"].isin(subjects), "USUBJID"].nunique())
            records.append({"ORDER": order, "CATEGORY": label.strip(), "COLUMN": column,
                            "N": len(subjects), "n": n,
                            "pct": 100.0 * n / len(subjects) if len(subjects) else np.nan})
    data = pd.DataFrame(records, columns=["ORDER", "CATEGORY", "COLUMN", "N", "n", "pct"])
    display = pd.DataFrame({"Category": [label for label, _ in rows]})
    for column, subjects in columns:
        part = data[data["COLUMN"] == column]
        display[column_header(column, len(subjects))] = [fmt.n_pct(n, N)
                                                         for n, N in zip(part["n"], part["N"])]
    notes = ["Cause category (ADSL DTHCGR1): adverse event (a fatal AE), disease progression, other.",
             f"Days after last dose: date of death - date of last dose of any study drug; within "
             f"{fmt.count(window)} days when at most {fmt.count(window)}.",
             "n (%): subjects, percentage of the safety population N of the column."]
    return Table(id="t_14_3_6_1_deaths", number="14.3.6.1", title="Deaths", population=population(columns),
                 data=data, display=display, footnotes=notes, source="ADSL, ADAE",
                 landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def death_listing(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig) -> Table:
    """Every death of the cut (safety population or not), by subject."""
    dead = _death_frame(adsl, adae, cfg.safety.death_window_days).sort_values("USUBJID")
    dead["DTHDY"] = (dead["DTHDT"] - dead["TRTSDT"]).dt.days.astype("float64") + 1
    columns = ["USUBJID", "TRT01A", "SAFFL", "DTHDT", "DTHDY", "DAYS_AFTER_LAST_DOSE", "WITHIN_WINDOW",
               "DTHCAUS", "DTHCGR1", "FATAL_AE"]
    data = dead[columns].reset_index(drop=True)
    display = pd.DataFrame({
        "Subject": data["USUBJID"].map(fmt.text), "Treatment": data["TRT01A"].map(fmt.text),
        "Date of death": data["DTHDT"].map(fmt.iso_date), "Study day": _day(data["DTHDY"]),
        "Days after last dose": [fmt.number(v, 0) for v in data["DAYS_AFTER_LAST_DOSE"]],
        f"Within {fmt.count(cfg.safety.death_window_days)} days": [w or "NE" for w in data["WITHIN_WINDOW"]],
        "Cause": _text_or_missing(data["DTHCAUS"]), "Category": data["DTHCGR1"].map(fmt.text),
        "Fatal AE (preferred terms)": data["FATAL_AE"].map(fmt.text)})
    notes = ["Study day: day 1 = first dose. Days after last dose: NE when the subject was never dosed.",
             "Fatal AE: AEOUT = FATAL, AESDTH = Y or grade 5."]
    return Table(id="t_14_3_6_2_death_listing", number="14.3.6.2", title="Listing of deaths",
                 population="All subjects who died", data=data, display=display, footnotes=notes,
                 source="ADSL, ADAE", landscape=True)
