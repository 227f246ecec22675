"""Subject-level safety listings: the SAE listing (14.3.5.2) and how long listings go to
tables/<id>.csv only (the deaths table and listing: tasks.analysis.deaths)."""
from __future__ import annotations

import pandas as pd

from tasks.adam.adae import relatedness_components
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt

MISSING_TEXT = "Missing"


def listing_blocks(table: Table, cfg: TrialConfig) -> list[Block]:
    """The listing, in the PDF when short; longer than report.max_listing_rows_in_pdf rows it is
    written to tables/<id>.csv only and the PDF says so (an empty one prints its empty_text)."""
    limit = cfg.report.max_listing_rows_in_pdf
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
    return (f"{preferred} ({reported})" if reported and reported.upper() != preferred.upper()
            else preferred)


def sae_listing(adae: pd.DataFrame, cfg: TrialConfig, scale_variable: str | None) -> Table:
    """Every serious AE (AESER = Y) of the cut, treatment-emergent or not, by subject and onset."""
    components = relatedness_components(cfg)
    sae = adae[adae["AESER"].eq("Y")].sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="mergesort")
    grade = (sae["ATOXGR"] if scale_variable == "ATOXGRN"
             else sae.get("ASEV", pd.Series("", index=sae.index)))
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
        "Preferred term (reported term)": [_term(p, t)
                                           for p, t in zip(data["AEDECOD"], data["AETERM"])],
        "Onset day": _day(data["ASTDY"]), "Grade": _text_or_missing(data["GRADE"]),
        "Outcome": _text_or_missing(data["AEOUT"]), "Related": related.tolist(),
        "TEAE": data["TRTEMFL"].tolist()})
    notes = ["All serious adverse events (AESER = Y) of the cut, treatment-emergent (TEAE = Y) or "
             "not.",
             "Onset day: study day of ASTDT (day 1 = first dose); partial dates imputed (ASTDTF).",
             "Related: Y/N to any study drug and to each drug (AEREL or the drug's SUPPAE "
             "assessment)."]
    return Table(id="t_14_3_5_2_sae_listing", number="14.3.5.2",
                 title="Listing of serious adverse events",
                 population="All subjects with a serious adverse event", data=data, display=display,
                 footnotes=notes, source="ADSL, ADAE", landscape=True,
                 empty_text="None: no subject had a serious adverse event.")
