"""Study conduct sections: accrual (with its figure), disposition, demographics and baseline
disease."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.analysis.arms import arm_columns, column_header
from tasks.config import TrialConfig
from tasks.model import Block, Cut, Figure, Paragraph, Section, Table
from tasks.report import formatting as fmt
from tasks.report.svg import PALETTE, legend_above, new_figure, to_svg
from tasks.results.run import Populations

AGE_GROUPS = ((0, 65, "< 65"), (65, 200, ">= 65"))


def _enrolment_date(adsl: pd.DataFrame, cfg: TrialConfig) -> pd.Series:
    """Randomized studies enrol at randomization; single-arm studies at informed consent."""
    return adsl["RANDDT"] if cfg.study.randomized else adsl["RFICDT"]


def accrual_section(adsl: pd.DataFrame, cfg: TrialConfig, cutoff: date) -> list[Block]:
    enrolled = adsl[adsl["ENRLFL"] == "Y"].assign(ENRLDT=_enrolment_date(adsl, cfg))
    by_month = (enrolled.dropna(subset=["ENRLDT"])
                .assign(MONTH=lambda d: d["ENRLDT"].dt.to_period("M").astype(str))
                .groupby("MONTH").size().rename("enrolled").reset_index())
    by_month["cumulative"] = by_month["enrolled"].cumsum()
    planned = cfg.study.planned_enrollment
    by_month["planned"] = planned

    sites = (adsl.groupby("SITEID")
             .agg(screened=("USUBJID", "size"),
                  enrolled=("ENRLFL", lambda s: int((s == "Y").sum())),
                  treated=("SAFFL", lambda s: int((s == "Y").sum())))
             .reset_index().sort_values("SITEID"))
    total = {"SITEID": "Total",
             **{c: int(sites[c].sum()) for c in ("screened", "enrolled", "treated")}}
    site_data = pd.concat([sites, pd.DataFrame([total])], ignore_index=True)
    display = pd.DataFrame({
        "Site": site_data["SITEID"],
        "Screened": site_data["screened"].map(fmt.count),
        "Enrolled": site_data["enrolled"].map(fmt.count),
        "Treated": site_data["treated"].map(fmt.count),
    })
    n_enrolled = int(len(enrolled))
    planned_text = (f"{n_enrolled} of {planned} planned subjects enrolled "
                    f"({fmt.percent(n_enrolled, planned)}%)" if planned
                    else f"{n_enrolled} subjects enrolled")
    table = Table(
        id="t_14_1_1_accrual_by_site", number="14.1.1", title="Screening and enrolment by site",
        population="All screened subjects", data=site_data, display=display, source="ADSL",
        footnotes=[f"{planned_text} by the data cutoff {cutoff.isoformat()}.",
                   "Enrolled: not a screen failure. Treated: at least one dose of any study drug."])
    return [table, _accrual_figure(by_month, planned, cutoff)]


def _accrual_figure(by_month: pd.DataFrame, planned: int | None, cutoff: date) -> Figure:
    fig, ax = new_figure(16, 7.5)
    if len(by_month):
        months = pd.PeriodIndex(by_month["MONTH"], freq="M").to_timestamp()
        ax.step(months, by_month["cumulative"], where="post", color=PALETTE[0],
                label="Enrolled (cumulative)")
        ax.bar(months, by_month["enrolled"], width=20, color=PALETTE[5], alpha=0.5,
               label="Enrolled per month")
    if planned:
        ax.axhline(planned, color=PALETTE[1], linestyle="--", linewidth=1,
                   label=f"Planned ({planned})")
    ax.axvline(pd.Timestamp(cutoff), color="grey", linestyle=":", linewidth=1, label="Data cutoff")
    ax.set_xlabel("Month of enrolment")
    ax.set_ylabel("Subjects")
    legend_above(ax)
    fig.autofmt_xdate()
    return Figure(id="f_14_1_1_accrual", number="14.1.1",
                  title="Cumulative enrolment against the plan",
                  svg=to_svg(fig), data=by_month, source="ADSL",
                  footnotes=["Enrolment date: randomization date in randomized studies, else "
                             "informed consent."])


def _count_rows(columns: list[tuple[str, pd.Index]], adsl: pd.DataFrame,
                rows: list[tuple[str, pd.Series]],
                denominators: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    data, display = [], []
    for label, mask in rows:
        counts = [int(adsl.loc[mask & adsl["USUBJID"].isin(ids)].shape[0]) for _, ids in columns]
        data.append({"category": label, **{name: n for (name, _), n in zip(columns, counts)}})
        display.append([label] + [fmt.n_pct(n, d) for n, d in zip(counts, denominators)])
    headers = [""] + [column_header(name, d) for (name, _), d in zip(columns, denominators)]
    return pd.DataFrame(data), pd.DataFrame(display, columns=headers)


def disposition_section(adsl: pd.DataFrame, cfg: TrialConfig, by_arm: bool) -> list[Block]:
    screened = adsl
    columns = arm_columns(adsl[adsl["ENRLFL"] == "Y"], None, by_arm)
    enrolled_n = [len(ids) for _, ids in columns]
    yes = lambda col: adsl[col].eq("Y")  # noqa: E731
    treated = yes("SAFFL")
    dead = adsl["DTHFL"].eq("Y")
    rows: list[tuple[str, pd.Series]] = [
        ("Enrolled", yes("ENRLFL")),
        ("Treated (safety population)", treated),
        ("On treatment at the cutoff", treated & adsl["EOTSTT"].eq("ONGOING")),
        ("Discontinued treatment", treated & adsl["EOTSTT"].eq("DISCONTINUED")),
    ]
    for reason in sorted(adsl.loc[treated & adsl["EOTSTT"].eq("DISCONTINUED"), "DCTREAS"].unique()):
        rows.append((f"    {reason.capitalize() or 'Reason not recorded'}",
                     treated & adsl["DCTREAS"].eq(reason) & adsl["EOTSTT"].eq("DISCONTINUED")))
    rows += [
        ("Completed treatment", treated & adsl["EOTSTT"].eq("COMPLETED")),
        ("In follow-up (off treatment, alive, in study)",
         treated & ~adsl["EOTSTT"].eq("ONGOING") & adsl["EOSSTT"].eq("ONGOING") & ~dead),
        ("Died", yes("ENRLFL") & dead),
        ("Discontinued the study", yes("ENRLFL") & adsl["EOSSTT"].eq("DISCONTINUED")),
    ]
    for reason in sorted(adsl.loc[adsl["EOSSTT"].eq("DISCONTINUED"), "DCSREAS"].unique()):
        rows.append((f"    {reason.capitalize() or 'Reason not recorded'}",
                     adsl["EOSSTT"].eq("DISCONTINUED") & adsl["DCSREAS"].eq(reason)))
    data, display = _count_rows(columns, adsl, rows, enrolled_n)
    n_screened, n_failed = len(screened), int((adsl["ENRLFL"] == "N").sum())
    return [Table(
        id="t_14_1_2_disposition", number="14.1.2", title="Subject disposition",
        population="Enrolled subjects", data=data, display=display, source="ADSL",
        footnotes=[f"Screened: {n_screened}; screen failures: {n_failed} (not in any analysis).",
                   "Percentages over the enrolled subjects of each column.",
                   "Treatment and study discontinuation from DS disposition events (EPOCH "
                   "TREATMENT / FOLLOW-UP); a death recorded as the reason for discontinuation "
                   "counts under both."])]


def _categories(values: pd.Series) -> list[tuple[str, pd.Series]]:
    """(category, mask) for each value in sorted order, then Missing when any value is empty."""
    values = values.fillna("").astype(str)
    rows = [(value, values.eq(value)) for value in sorted(v for v in values.unique() if v)]
    return rows + ([("Missing", values.eq(""))] if values.eq("").any() else [])


def demographics_section(adsl: pd.DataFrame, cfg: TrialConfig, by_arm: bool) -> list[Block]:
    population = adsl[adsl["FASFL"] == "Y"]
    columns = arm_columns(population, None, by_arm)
    members = [population["USUBJID"].isin(ids) for _, ids in columns]
    n = [int(m.sum()) for m in members]
    blank = [""] * len(columns)
    display_rows: list[list[str]] = []
    data_rows: list[dict] = []

    def continuous(label: str, variable: str) -> None:
        values = [pd.to_numeric(population.loc[m, variable], errors="coerce").dropna()
                  for m in members]
        for (name, _), v in zip(columns, values):
            data_rows.append({"characteristic": label, "category": "", "column": name, "n": len(v),
                              "mean": v.mean(), "sd": v.std(), "median": v.median(),
                              "min": v.min(), "max": v.max()})
        display_rows.extend([
            [label] + blank,
            ["    n"] + [fmt.count(len(v)) for v in values],
            ["    Mean (SD)"] + [fmt.mean_sd(v.mean(), v.std()) for v in values],
            ["    Median (min, max)"] + [
                f"{fmt.number(v.median())} ({fmt.number(v.min())}, {fmt.number(v.max())})"
                for v in values],
        ])

    def categorical(label: str, categories: list[tuple[str, pd.Series]]) -> None:
        display_rows.append([label] + blank)
        for category, mask in categories:
            counts = [int((mask & m).sum()) for m in members]
            display_rows.append([f"    {category}"] + [fmt.n_pct(c, d) for c, d in zip(counts, n)])
            for (name, _), c, d in zip(columns, counts, n):
                data_rows.append({"characteristic": label, "category": category, "column": name,
                                  "n": c, "pct": 100.0 * c / d if d else None})

    age = pd.to_numeric(population["AGE"], errors="coerce")
    continuous("Age (years)", "AGE")
    categorical("Age group (years)", [(lbl, age.ge(lo) & age.lt(hi)) for lo, hi, lbl in AGE_GROUPS])
    for variable, label in (("SEX", "Sex"), ("RACE", "Race"), ("ETHNIC", "Ethnicity")):
        if population[variable].ne("").any():
            categorical(label, _categories(population[variable]))
    for item in cfg.baseline.characteristics:
        categorical(item.label, _categories(population[item.variable]))
    for lab in cfg.baseline.labs:
        continuous(lab.label, lab.variable)
        categorical(f"{lab.label}, grouped", _categories(population[f"{lab.variable}GR1"]))
    headers = [""] + [column_header(name, d) for (name, _), d in zip(columns, n)]
    return [Table(
        id="t_14_1_3_demographics", number="14.1.3",
        title="Demographics and baseline disease characteristics",
        population="Full analysis set", data=pd.DataFrame(data_rows),
        display=pd.DataFrame(display_rows, columns=headers), source="ADSL",
        footnotes=["Baseline characteristics as recorded in SUPPDM; baseline laboratory values are "
                   "the last value on or before the first dose.",
                   "Percentages over N of each column."])]


def populations(adsl: pd.DataFrame) -> Populations:
    """The analysis populations of results.json."""
    count = lambda col: int(np.sum(adsl[col] == "Y"))  # noqa: E731
    return Populations(screened=int(len(adsl)), enrolled=count("ENRLFL"), safety=count("SAFFL"),
                       full_analysis=count("FASFL"), efficacy=count("RSEVALFL"))


def conduct_summary(adsl: pd.DataFrame, cfg: TrialConfig, cutoff: date) -> list[Block]:
    """The open session's front page: accrual and conduct, no results by arm."""
    counts = populations(adsl)
    planned = cfg.study.planned_enrollment
    on_treatment = int(((adsl["SAFFL"] == "Y") & (adsl["EOTSTT"] == "ONGOING")).sum())
    accrual = (f"{counts.enrolled} of {planned} planned subjects enrolled "
               f"({fmt.percent(counts.enrolled, planned)}%)" if planned
               else f"{counts.enrolled} subjects enrolled")
    return [Paragraph(f"Data cutoff {cutoff.isoformat()}: {counts.screened} subjects screened, "
                      f"{accrual}, {counts.safety} treated, {on_treatment} on treatment at the "
                      "cutoff."),
            Paragraph("Efficacy results, safety results by treatment and the evaluation of the "
                      "prespecified monitoring rules are presented in the closed session only.",
                      style="note")]


def deviations_section(cut: Cut, adsl: pd.DataFrame) -> list[Section]:
    """Protocol deviations by category and term, when the cut has a DV domain."""
    dv = cut.get("dv")
    if dv is None:
        return []
    enrolled = adsl.loc[adsl["ENRLFL"] == "Y", "USUBJID"]
    n = len(enrolled)
    category = dv["DVCAT"] if "DVCAT" in dv else pd.Series("", index=dv.index)
    term = (dv["DVDECOD"].where(dv["DVDECOD"].ne(""), dv.get("DVTERM", "")) if "DVDECOD" in dv
            else dv["DVTERM"])
    frame = pd.DataFrame({"USUBJID": dv["USUBJID"],
                          "category": category.replace("", "Uncategorised"),
                          "term": term})
    data = (frame.groupby(["category", "term"])
            .agg(subjects=("USUBJID", "nunique"), deviations=("USUBJID", "size")).reset_index()
            .sort_values(["category", "subjects", "term"], ascending=[True, False, True]))
    display = pd.DataFrame({"Category": data["category"], "Deviation": data["term"],
                            "Subjects, n (%)": [fmt.n_pct(k, n) for k in data["subjects"]],
                            "Deviations": data["deviations"].map(fmt.count)})
    table = Table(id="t_14_1_5_deviations", number="14.1.5", title="Protocol deviations",
                  population="Enrolled subjects", data=data, display=display, source="DV",
                  footnotes=[f"{frame['USUBJID'].nunique()} subject(s) with at least one "
                             "deviation; percentages over the enrolled subjects."],
                  empty_text="None: no protocol deviation is recorded in DV.")
    return [Section("deviations", "Protocol deviations", [table])]
