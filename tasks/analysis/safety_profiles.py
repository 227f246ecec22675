"""Patient profiles (docs/safety.md item 14): every subject who died, had a serious AE or a grade
>= 4 TEAE gets a timeline (tasks.analysis.profile_figure) and a narrative made from the data.
The first report.max_profiles_in_pdf of them (deaths first, then by worst grade) are pages of the
closed report's appendix, linked from the SAE and death listings; every one is written to
figures/profiles/<name>.svg and tables/profiles/<name>.csv, listed in the index (Table 14.3.13).

A file name is the USUBJID with any character outside [A-Za-z0-9._-] replaced by "_", followed
by "-" and 8 hex digits of its sha256 when anything was replaced: different subjects never share
a name, and the index maps each name back to its USUBJID."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from tasks.analysis.profile_figure import Rows, timeline_svg
from tasks.analysis.safety_listings import listing_blocks
from tasks.config import TrialConfig
from tasks.dates import study_day
from tasks.model import Adam, Block, Paragraph, Profile, Table
from tasks.report import formatting as fmt

SAFE = re.compile(r"[^A-Za-z0-9._-]")
PROFILE_TESTS = ("ALT", "AST", "BILI")
MAX_AE_ROWS = 22                    # AE rows drawn in a timeline (every event is in its CSV)
TIMELINE_NOTE = (
    f"Timeline by study day (day 1 = first dose): doses of each drug (given, reduced, withheld), "
    f"adverse events from onset to end (ongoing: an arrow), coloured by CTCAE grade, serious ones "
    f"outlined and starred (at most {MAX_AE_ROWS} terms, the worst first), tumour assessments "
    f"(investigator), ALT, AST and bilirubin as multiples of the ULN (lines at 1 and 3), death.")
COLUMNS = ["USUBJID", "KIND", "LABEL", "STARTDY", "ENDDY", "DATE", "VALUE", "GRADE", "SERIOUS",
           "DETAIL"]
LB_COLUMNS = ["USUBJID", "PARAMCD", "ADT", "R2ULN", "ATOXGRN"]
REASONS = ("died", "serious AE", "grade >= 4 TEAE")
CHANGES = ("DRUG INTERRUPTED", "DOSE REDUCED", "DRUG WITHDRAWN")


def profile_name(usubjid: str) -> str:
    """The subject's file name (see the module docstring)."""
    safe = SAFE.sub("_", usubjid)
    if safe == usubjid and safe not in ("", ".", ".."):
        return safe
    return f"{safe}-{hashlib.sha256(usubjid.encode('utf-8')).hexdigest()[:8]}"


def profile_subjects(adsl: pd.DataFrame, adae: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """USUBJID, REASONS ("; "-joined REASONS) and NAME of every subject to profile, in the order
    of their pages: deaths within window_days of the last dose, other deaths, then by the worst
    TEAE grade (5 to 1), then USUBJID."""
    died = set(adsl.loc[adsl["DTHFL"].eq("Y"), "USUBJID"])
    serious = set(adae.loc[adae["AESER"].eq("Y"), "USUBJID"])
    teae = adae[adae["TRTEMFL"].eq("Y")]
    grade = teae["ATOXGRN"] if "ATOXGRN" in teae else pd.Series(np.nan, index=teae.index)
    severe = set(teae.loc[grade >= 4, "USUBJID"])
    subjects = sorted(died | serious | severe)
    worst = grade.groupby(teae["USUBJID"]).max().reindex(subjects).fillna(0)
    info = adsl.drop_duplicates("USUBJID").set_index("USUBJID").reindex(subjects)
    dead = info["DTHFL"].eq("Y").to_numpy()
    soon = (info["DTHDT"] - info["TRTEDT"]).dt.days.le(window_days).to_numpy()
    reasons = ["; ".join(r for r, member in zip(REASONS, (s in died, s in serious, s in severe))
                         if member) for s in subjects]
    out = pd.DataFrame({"USUBJID": subjects, "REASONS": reasons,
                        "_RANK": np.select([dead & soon, dead], [0, 1], 2),
                        "_WORST": -worst.to_numpy()})
    out = out.sort_values(["_RANK", "_WORST", "USUBJID"], kind="mergesort")
    # text even when nobody is profiled (mapping no subjects at all gives float64)
    names = out["USUBJID"].map(profile_name).astype(object)
    return out.drop(columns=["_RANK", "_WORST"]).assign(NAME=names).reset_index(drop=True)


def timeline_data(frames: dict[str, pd.DataFrame], origins: pd.Series,
                  adsl: pd.DataFrame) -> pd.DataFrame:
    """The tidy data of the timelines of the subjects of `origins` (USUBJID -> the date of study
    day 1), in COLUMNS: DOSE, AE, RESPONSE, LAB (x ULN) and DEATH rows, sorted by subject, kind,
    study day and label. One pass over each dataset for every subject at once: a trial of
    thousands of profiles costs no more than a frame operation per dataset."""
    def days(frame: pd.DataFrame, column: str) -> pd.Series:
        return study_day(frame[column], frame["USUBJID"].map(origins))

    parts = []
    doses = frames["adexrec"]
    if len(doses):
        detail = np.select([doses["WITHHLFL"].eq("Y"), doses["REDUCEFL"].eq("Y")],
                           ["WITHHELD", "REDUCED"], "GIVEN")
        parts.append(pd.DataFrame({"USUBJID": doses["USUBJID"], "KIND": "DOSE",
                                   "LABEL": doses["EXTRT"], "STARTDY": days(doses, "ASTDT"),
                                   "DATE": doses["ASTDT"], "VALUE": doses["AVAL"],
                                   "DETAIL": detail}))
    ae = frames["adae"]
    if len(ae):
        parts.append(pd.DataFrame({
            "USUBJID": ae["USUBJID"], "KIND": "AE",
            "LABEL": ae["AEDECOD"].fillna("").astype(str).replace("", "(NOT CODED)"),
            "STARTDY": days(ae, "ASTDT"), "ENDDY": days(ae, "AENDT"), "DATE": ae["ASTDT"],
            "GRADE": ae.get("ATOXGRN", np.nan),
            "SERIOUS": ae["AESER"], "DETAIL": ae["AEOUT"]}))
    rs = frames["adrs"]
    if len(rs):
        parts.append(pd.DataFrame({"USUBJID": rs["USUBJID"], "KIND": "RESPONSE",
                                   "LABEL": rs["AVALC"], "STARTDY": days(rs, "ADT"),
                                   "DATE": rs["ADT"]}))
    lb = frames["adlb"]
    if len(lb):
        parts.append(pd.DataFrame({"USUBJID": lb["USUBJID"], "KIND": "LAB",
                                   "LABEL": lb["PARAMCD"], "STARTDY": days(lb, "ADT"),
                                   "DATE": lb["ADT"], "VALUE": lb["R2ULN"],
                                   "GRADE": lb["ATOXGRN"]}))
    dead = adsl[adsl["USUBJID"].isin(origins.index) & adsl["DTHFL"].eq("Y")
                & adsl["DTHDT"].notna()]
    if len(dead):
        cause = dead["DTHCAUS"].where(dead["DTHCAUS"].notna() & dead["DTHCAUS"].ne(""), "DEATH")
        parts.append(pd.DataFrame({"USUBJID": dead["USUBJID"], "KIND": "DEATH",
                                   "LABEL": cause, "STARTDY": days(dead, "DTHDT"),
                                   "DATE": dead["DTHDT"]}))
    parts = [part for part in parts if len(part)]
    data = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS))
    data = data.reindex(columns=COLUMNS)
    data = data[data["STARTDY"].notna()]
    return data.sort_values(["USUBJID", "KIND", "STARTDY", "LABEL"],
                            kind="mergesort").reset_index(drop=True)


def _of_subjects(frame: pd.DataFrame | None, subjects: set[str]) -> pd.DataFrame:
    if frame is None or "USUBJID" not in frame:
        return pd.DataFrame(columns=["USUBJID"])
    return frame[frame["USUBJID"].isin(subjects).to_numpy()]


def _by_subject(frame: pd.DataFrame, subjects: set[str]) -> dict[str, pd.DataFrame]:
    if frame.empty:
        return {}
    chosen = frame[frame["USUBJID"].isin(subjects)]
    return {str(subject): rows for subject, rows in chosen.groupby("USUBJID", sort=False)}


def _day(value: pd.Timestamp, first: pd.Timestamp) -> float:
    return float(study_day(pd.Series([value]), first).iloc[0])


def _day_text(day: float) -> str:
    return f"day {fmt.number(day, 0)}"


def _ae_sentence(row: pd.Series, first: pd.Timestamp, cfg: TrialConfig) -> str:
    """E.g. 'pneumonitis (grade 3, serious, related to TQB2868; TQB2868 withdrawn), resolved on
    day 28'."""
    grade = row.get("ATOXGRN")
    parts = [f"grade {fmt.count(grade)}" if pd.notna(grade) else "grade missing"]
    parts += ["serious"] if row.get("AESER") == "Y" else []
    related = [c.label for c in cfg.study.components if row.get(f"REL_{c.code}") == "Y"]
    parts.append(f"related to {', '.join(related)}" if related else "not related")
    actions = [f"{c.label} {row[f'ACN_{c.code}'].split()[-1].lower()}"
               for c in cfg.study.components if row.get(f"ACN_{c.code}") in CHANGES]
    text = f"{fmt.text(row['AEDECOD']).lower()} ({', '.join(parts)}"
    text += f"; {', '.join(actions)})" if actions else ")"
    outcome = fmt.text(row.get("AEOUT")).lower()
    if pd.notna(row.get("AENDT")) and outcome.startswith("recovered"):
        return text + f", resolved on {_day_text(_day(row['AENDT'], first))}"
    return text + (f", {outcome}" if outcome else "")


def _events(adsl_row: pd.Series, frames: dict[str, pd.DataFrame], first: pd.Timestamp,
            cfg: TrialConfig) -> tuple[list[tuple[float, int, str]], int]:
    """(study day, order within the day, text) of the events the narrative names, and the
    number of other AEs."""
    ae = frames["adae"]
    changed = pd.Series(False, index=ae.index)
    for c in cfg.study.components:
        if f"ACN_{c.code}" in ae:
            changed |= ae[f"ACN_{c.code}"].isin(CHANGES)
    grade = ae["ATOXGRN"] if "ATOXGRN" in ae else pd.Series(np.nan, index=ae.index)
    notable = ae[ae["AESER"].eq("Y") | (grade >= 3) | changed]
    events = [(row["ASTDY"], 1, _ae_sentence(row, first, cfg)) for _, row in notable.iterrows()]
    rs = frames["adrs"]
    for values, label in ((("CR", "PR"), "first response ({})"), (("PD",), "progressive disease")):
        seen = rs[rs["AVALC"].isin(values)].sort_values("ADT") if len(rs) else rs
        if len(seen):
            row = seen.iloc[0]
            events.append((_day(row["ADT"], first), 2, label.format(row["AVALC"])))
    if pd.notna(adsl_row.get("EOTDT")):
        reason = fmt.text(adsl_row.get("DCTREAS")).lower()
        events.append((_day(adsl_row["EOTDT"], first), 3,
                       f"end of treatment{f' ({reason})' if reason else ''}"))
    events.sort(key=lambda e: (np.inf if pd.isna(e[0]) else e[0], e[1]))
    return events, len(ae) - len(notable)


def narrative(adsl_row: pd.Series, frames: dict[str, pd.DataFrame], cfg: TrialConfig,
              cutoff: date) -> str:
    """The profile's paragraph: who (age, sex, baseline disease), first dose, the serious, grade
    >= 3 and dose-changing AEs, the first response and progression, the end of treatment and
    death in order of study day, and the outcome at the cutoff."""
    first = adsl_row.get("TRTSDT")
    sex = {"M": "man", "F": "woman"}.get(fmt.text(adsl_row.get("SEX")), "subject")
    age = f"{fmt.count(adsl_row['AGE'])}-year-old " if pd.notna(adsl_row.get("AGE")) else ""
    baseline = "; ".join(f"{c.label} {fmt.text(adsl_row.get(c.variable))}"
                         for c in cfg.baseline.characteristics
                         if fmt.text(adsl_row.get(c.variable)))
    arm = fmt.text(adsl_row.get("TRT01A")) or "not treated"
    text = f"{adsl_row['USUBJID']} ({arm}): a {age}{sex}"
    text += f" (baseline: {baseline})." if baseline else "."
    if pd.isna(first):
        return text + " The subject received no study drug." + _outcome(adsl_row, None, cutoff)
    text += f" First dose on {fmt.iso_date(first)} (day 1)."
    events, others = _events(adsl_row, frames, first, cfg)
    if events:
        text += " Events in order: " + "; ".join(
            f"{'onset unknown' if pd.isna(day) else _day_text(day)}: {what}"
            for day, _, what in events) + "."
    if others:
        text += f" {fmt.count(others)} other adverse event(s) of grade 1-2 are in the timeline."
    return text + _outcome(adsl_row, first, cutoff)


def _outcome(adsl_row: pd.Series, first: pd.Timestamp | None, cutoff: date) -> str:
    def when(value: pd.Timestamp) -> str:
        day = f" ({_day_text(_day(value, first))})" if first is not None else ""
        return f"{fmt.iso_date(value)}{day}"

    death, last_dose = adsl_row.get("DTHDT"), adsl_row.get("TRTEDT")
    if adsl_row.get("DTHFL") == "Y":
        cause = fmt.text(adsl_row.get("DTHCAUS")).lower() or "cause not recorded"
        after = (f", {fmt.count((death - last_dose).days)} days after the last dose"
                 if pd.notna(death) and pd.notna(last_dose) else "")
        on = when(death) if pd.notna(death) else "an unknown date"
        return f" Outcome: died on {on} ({cause}){after}."
    alive = adsl_row.get("LSTALVDT")
    treated = first is not None and pd.isna(adsl_row.get("EOTDT"))
    known = f", last known alive on {when(alive)}" if pd.notna(alive) else ""
    return (f" Outcome: alive at the cutoff {cutoff.isoformat()}, "
            f"{'on treatment' if treated else 'off treatment'}{known}.")


@dataclass
class Profiles:
    """Every profile in page order, and their index: USUBJID REASONS NAME FIGURE IN_PDF ANCHOR."""
    index: pd.DataFrame
    pages: list[Profile]

    def links(self) -> dict[str, str]:
        return profile_links(self.index)


def profile_index(adam: Adam, cfg: TrialConfig) -> pd.DataFrame:
    """The index of the profiles (USUBJID REASONS NAME FIGURE IN_PDF ANCHOR) in page order; the
    first report.max_profiles_in_pdf are pages of the PDF."""
    chosen = profile_subjects(adam.adsl, adam.adae, cfg.safety.death_window_days)
    limit = cfg.report.max_profiles_in_pdf
    return chosen.assign(FIGURE=[f"14.3.13.{k}" for k in range(1, len(chosen) + 1)],
                         IN_PDF=np.where(np.arange(len(chosen)) < limit, "Y", "N"),
                         ANCHOR="profile-" + chosen["NAME"])


def profile_links(index: pd.DataFrame) -> dict[str, str]:
    """USUBJID -> anchor of the profiles of `index` that are pages of the PDF."""
    shown = index[index["IN_PDF"].eq("Y")]
    return dict(zip(shown["USUBJID"], shown["ANCHOR"]))


def patient_profiles(adam: Adam, cfg: TrialConfig, cutoff: date) -> Profiles:
    """Every profile in page order (profile_index); those in the PDF with their narratives: a
    profile of files only is its timeline and data."""
    index = profile_index(adam, cfg)
    subjects = set(index["USUBJID"])
    adrs = adam.adrs[adam.adrs["PARAMCD"].eq("OVR")] if len(adam.adrs) else adam.adrs
    # only the columns a timeline reads: ADLB has a million rows at 5,000 subjects
    lb = adam.adlb.loc[adam.adlb["PARAMCD"].isin(PROFILE_TESTS).to_numpy(), LB_COLUMNS]
    sources = {key: _of_subjects(frame, subjects) for key, frame in
               {"adae": adam.adae, "adexrec": adam.adexrec, "adrs": adrs, "adlb": lb}.items()}
    info = adam.adsl.drop_duplicates("USUBJID").set_index("USUBJID", drop=False)
    origins = (info["TRTSDT"].reindex(index["USUBJID"])
               .fillna(pd.Timestamp(cutoff)))
    timeline = timeline_data(sources, origins, adam.adsl)
    timelines = dict(tuple(timeline.groupby("USUBJID", sort=False)))
    rows = Rows.by_subject(timeline)
    no_rows = Rows.of(timeline.iloc[:0])
    in_pdf = set(index.loc[index["IN_PDF"].eq("Y"), "USUBJID"])
    grouped = {key: _by_subject(frame, in_pdf) for key, frame in sources.items()}
    empty = pd.DataFrame(columns=COLUMNS)
    pages = []
    for subject, reasons, name, number, shown, anchor in index.itertuples(index=False):
        data = timelines.get(subject, empty).reset_index(drop=True)
        text = ""
        if shown == "Y":
            frames = {key: grouped[key].get(subject, sources[key].iloc[:0]) for key in sources}
            row = info.loc[subject] if subject in info.index else pd.Series({"USUBJID": subject})
            text = narrative(row, frames, cfg, cutoff)
        pages.append(Profile(
            id=name, number=number, title=f"Patient profile: {subject} ({reasons})",
            svg=timeline_svg(rows.get(subject, no_rows), MAX_AE_ROWS), data=data,
            source="ADSL, ADAE, ADEXREC, ADRS, ADLB",
            narrative=text, anchor=anchor, in_pdf=shown == "Y",
            footnotes=[TIMELINE_NOTE,
                       f"Data: tables/profiles/{name}.csv; figure: figures/profiles/{name}.svg."]))
    return Profiles(index=index, pages=pages)


def link_subjects(table: Table, links: dict[str, str]) -> Table:
    """The table with its rows' first cells linked to the subject's profile page, if any."""
    if "USUBJID" in table.data and len(table.data) == len(table.display):
        table.links = [links.get(s, "") for s in table.data["USUBJID"]]
    return table


def appendix_blocks(profiles: Profiles, cfg: TrialConfig) -> list[Block]:
    """The appendix: what it holds, the index of every profile (Table 14.3.13) and the pages."""
    index = profiles.index
    if index.empty:
        return [Paragraph("None: no subject died, had a serious adverse event or a grade >= 4 "
                          "treatment-emergent adverse event.")]
    shown = index["IN_PDF"].eq("Y")
    display = pd.DataFrame({
        "Subject": index["USUBJID"], "Profiled because": index["REASONS"],
        "Page": np.where(shown, "Figure " + index["FIGURE"], "files only"),
        "File name": index["NAME"]})
    table = Table(id="t_14_3_13_profiles_index", number="14.3.13", title="Patient profiles: index",
                  population="Subjects who died, had a serious AE or a grade >= 4 TEAE",
                  data=index.drop(columns="ANCHOR"), display=display, source="ADSL, ADAE",
                  footnotes=["Order of the pages: deaths within the death window of the last "
                             "dose, other deaths, then by the worst TEAE grade; ties by subject.",
                             "Files: figures/profiles/<file name>.svg (the timeline) and "
                             "tables/profiles/<file name>.csv (its data). The file name is the "
                             "USUBJID, with any character other than letters, digits, '.', '_' or "
                             "'-' replaced by '_' and then 8 characters of its sha256 added."])
    link_subjects(table, profiles.links())
    intro = (f"{fmt.count(len(index))} subject(s) died, had a serious adverse event or a grade "
             ">= 4 treatment-emergent adverse event: each has a profile (timeline and narrative).")
    if not shown.all():
        intro += (f" The first {fmt.count(int(shown.sum()))} are pages of this report (report."
                  f"max_profiles_in_pdf); all {fmt.count(len(index))} are in figures/profiles/ and "
                  "tables/profiles/ of this version.")
    return [Paragraph(intro), *listing_blocks(table, cfg), *profiles.pages]
