"""One analysis run: the typed results (results.json, open-results.json), computed once, and the
report sections of the closed and the open session rendered from them, in the order of
docs/dsmb-report.md. Pure: the previous cut arrives as a value."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from tasks.adam.recist import response_disagreements
from tasks.analysis.attention import AttentionFacts, attention_items
from tasks.analysis.changes import changes_results, compare_cuts
from tasks.analysis.changes_tables import changes_blocks, first_cut_blocks
from tasks.analysis.conduct import (
    accrual_section,
    conduct_summary,
    demographics_section,
    deviations_section,
    disposition_section,
    populations,
)
from tasks.analysis.deaths import death_reconciliation
from tasks.analysis.efficacy import efficacy_results, efficacy_section
from tasks.analysis.methods import Provenance, methods_section, provenance_section
from tasks.analysis.open_results import open_results
from tasks.analysis.quality import data_currency, excluded_responses_blocks, quality_section
from tasks.analysis.reads import ADLB_VARIABLES
from tasks.analysis.safety import (
    course_and_treatment,
    exposure_section,
    hepatic_and_reconciliation,
    safety_course_results,
    safety_overview,
    safety_results,
    safety_section,
)
from tasks.analysis.safety_profiles import (
    Profiles,
    appendix_blocks,
    patient_profiles,
    profile_index,
    profile_links,
)
from tasks.config import TrialConfig
from tasks.errors import BadInputError
from tasks.model import (
    Adam,
    Block,
    CutoffResult,
    Figure,
    Finding,
    Paragraph,
    PreviousCut,
    Section,
    Table,
)
from tasks.monitoring.decision import monitoring_blocks
from tasks.monitoring.pending import response_status
from tasks.monitoring.rules import evaluate_monitoring
from tasks.report import formatting as fmt
from tasks.results.changes import ChangesResults
from tasks.results.run import DataCut, OpenResults, Results

PROFILES = "profiles"          # the closed report's appendix, after provenance


@dataclass
class Analysis:
    results: Results
    open_results: OpenResults
    closed: list[Section]
    open: list[Section]
    # the key it is kept under (flows.steps.analyse_cut): it names the tables' and figures'
    # content, whose files are kept under it too (tasks.publish.contents.copy_data_files)
    key: str | None = None

    def add_provenance(self, provenance: Provenance) -> None:
        """Provenance needs the reserved version's chain link, so it comes last, after analysis.
        The open report's provenance names the inputs without their hashes: nothing in the open
        package is the hash of a file outside it (docs/delivery.md)."""
        appendix = next((i for i, s in enumerate(self.closed) if s.key == PROFILES),
                        len(self.closed))
        self.closed.insert(appendix, Section("provenance", "Provenance",
                                             provenance_section(provenance)))
        self.open.append(Section("provenance", "Provenance",
                                 provenance_section(provenance, with_hashes=False)))

    def tables(self, kind: str) -> list[Table | Figure]:
        """The tables and figures written to tables/ as data. Provenance is left out: it is the
        run's own record (run id, chain link), kept in manifest.json, so that the same cut gives
        the same tables/ byte for byte."""
        sections = self.closed if kind == "closed" else self.open
        return [b for s in sections if s.key != "provenance"
                for b in s.blocks if isinstance(b, (Table, Figure))]


def disagreement_table(adam: Adam, limit: int) -> list[Block]:
    """Visits where the response recomputed from the lesion measurements differs from the
    investigator's: a data-quality check, not an analysis."""
    if adam.adtr.empty:
        return [Paragraph("No lesion measurements (TU/TR) in this cut: the investigator's overall "
                          "responses could not be checked against the measurements.")]
    found = response_disagreements(adam.adtr, adam.adrs)
    display = found.copy()
    for column in display.columns:
        display[column] = display[column].map(fmt.iso_date if "DT" in column else fmt.text)
    table = Table(
        id="l_16_2_2_recist_disagreements", number="16.2.2",
        title="Visits where the response recomputed from lesion measurements differs from the "
              "investigator's overall response", population="Subjects with TU/TR records",
        data=found, display=display, source="ADTR, ADRS", landscape=True,
        footnotes=["RECIST 1.1 recomputed from TR target sums (30% decrease from baseline, 20% and "
                   "5 mm increase from nadir), non-target status and new lesions; for the data "
                   "managers to query. The primary analysis uses the investigator's responses."],
        empty_text="None: at every visit the response recomputed from the lesion measurements "
                   "agrees with the investigator's.")
    return [Paragraph(f"{found['USUBJID'].nunique() if len(found) else 0} subject(s), {len(found)} "
                      "visit(s) with a disagreement between recomputed and reported response."),
            table.as_listing(limit)]


def require_treated(adsl: pd.DataFrame, cutoff: date) -> None:
    """BadInputError when nobody is in the safety population yet (screened, not dosed): every
    table of the report is of treated subjects, so there is nothing to analyse."""
    if not adsl["SAFFL"].eq("Y").any():
        raise BadInputError(
            f"no subject was treated by the cutoff {cutoff.isoformat()} (SAFFL = Y: none of the "
            f"{len(adsl)} subject(s) in ADSL): nothing to analyse; analyse a later cut")


def analyse(adam: Adam, cutoff: CutoffResult, findings: list[Finding], cfg: TrialConfig,
            previous: PreviousCut | None, snapshot: pd.DataFrame | None,
            make_profiles: Callable[[Adam, TrialConfig, date], Profiles] = patient_profiles
            ) -> Analysis:
    """Every result and every section of both reports. `previous`: the previous cut (None for
    the first cut); `snapshot`: this cut's record snapshot (read for the comparison with the
    previous cut only); `make_profiles`: patient_profiles, or what returns the same (made in a
    process of its own: tasks.analysis.profile_process), called last."""
    cut, day = cutoff.cut, cutoff.cut.cutoff
    require_treated(adam.adsl, day)
    if list(adam.adlb.columns) != ADLB_VARIABLES:
        adam = replace(adam, adlb=adam.adlb[ADLB_VARIABLES])
    limit = cfg.report.max_listing_rows_in_pdf
    status = response_status(adam.adsl, adam.adrs, day, cfg.response)   # settled or pending
    monitoring = evaluate_monitoring(status, adam.adsl, adam.adae, cfg, day)
    changes = None
    if previous is not None:
        if snapshot is None:
            raise ValueError("comparing with the previous cut needs this cut's record snapshot")
        changes = compare_cuts(snapshot, adam, previous)
    facts = AttentionFacts(
        deaths=death_reconciliation(adam.adsl, adam.adae, cfg.safety), adae=adam.adae,
        new_saes=changes.new_saes if changes is not None and len(changes.new_saes.columns)
        else None,
        previous=changes.previous if changes is not None else None, monitoring=monitoring.results,
        currency=data_currency(adam.adsl, adam.adrs, day, cfg.report.data_currency_days), cfg=cfg)
    results = Results(
        cutoff=day.isoformat(), study=cfg.study.id, populations=populations(adam.adsl),
        efficacy=efficacy_results(adam.adsl, adam.adrs, adam.adtte, cfg, status),
        safety=safety_results(adam.adsl, adam.adae, cfg),
        safety_course=safety_course_results(adam, cfg, day), monitoring=monitoring.results,
        changes=changes_results(changes),
        data_cut=DataCut(records_set_aside=int(cutoff.log["records"].sum()) if len(cutoff.log)
                         else 0,
                         validation_warnings=sum(f.severity == "warning" for f in findings)),
        attention=attention_items(facts))
    # The response checks (lesion recomputation, responses left out) are closed: they show
    # responses.
    quality = quality_section(adam, cfg, findings, cutoff, disagreement_table(adam, limit)
                              + excluded_responses_blocks(adam.adrs, limit))
    links = profile_links(profile_index(adam, cfg))
    closed = [
        Section("decision", "Decision summary",
                monitoring_blocks(results.monitoring, monitoring.safety_boundary, limit)
                + _changes_summary(results.changes)),
        Section("accrual", "Accrual", accrual_section(adam.adsl, cfg, day)),
        Section("disposition", "Disposition", disposition_section(adam.adsl, cfg, by_arm=True)),
        *deviations_section(cut, adam.adsl),
        Section("demographics", "Demographics and baseline disease characteristics",
                demographics_section(adam.adsl, cfg, by_arm=True)),
        Section("exposure", "Exposure", exposure_section(adam.adsl, adam.adex, cfg, by_arm=True)),
        Section("efficacy", "Efficacy",
                efficacy_section(adam.adsl, adam.adrs, adam.adtte, adam.adtr, cfg,
                                 results.efficacy)),
        Section("safety", "Safety",
                safety_section(adam.adsl, adam.adae, adam.adlb, cfg, results.safety,
                               by_arm=True, links=links)
                + hepatic_and_reconciliation(adam, cfg, day)
                + course_and_treatment(adam, cfg, results.safety_course, day)),
        Section("quality", "Data currency and quality", quality),
        Section("changes", "Changes since the previous cut",
                changes_blocks(changes, limit) if changes is not None else first_cut_blocks()),
        Section("methods", "Methods", methods_section(cfg)),
    ]
    open_ = open_sections(adam, cutoff, findings, cfg, results)
    closed.append(Section(PROFILES, "Appendix: patient profiles",
                          appendix_blocks(make_profiles(adam, cfg, day), cfg)))
    return Analysis(results, open_results(adam, cutoff, findings, cfg, results.populations, open_),
                    closed, open_)


def open_sections(adam: Adam, cutoff: CutoffResult, findings: list[Finding], cfg: TrialConfig,
                  results: Results) -> list[Section]:
    """The open session's report: conduct, accrual, disposition, pooled baseline and exposure,
    the pooled TEAE overview when the config allows it, data currency and quality (without the
    response checks: they show responses), methods without the monitoring rules."""
    day = cutoff.cut.cutoff
    pooled_safety: list[Block] = [Paragraph("Pooled over all subjects; no results by treatment arm "
                                            "in the open session."),
                     safety_overview(results.safety, adam.adae, cfg)]
    return [
        Section("conduct", "Study conduct", conduct_summary(adam.adsl, cfg, day)),
        Section("accrual", "Accrual", accrual_section(adam.adsl, cfg, day)),
        Section("disposition", "Disposition", disposition_section(adam.adsl, cfg, by_arm=False)),
        *deviations_section(cutoff.cut, adam.adsl),
        Section("demographics", "Demographics and baseline disease characteristics (pooled)",
                demographics_section(adam.adsl, cfg, by_arm=False)),
        Section("exposure", "Exposure (pooled)",
                exposure_section(adam.adsl, adam.adex, cfg, by_arm=False)),
        *([Section("safety", "Safety overview (pooled)", pooled_safety)]
          if cfg.safety.open_report_pooled_safety else []),
        Section("quality", "Data currency and quality",
                quality_section(adam, cfg, findings, cutoff, [])),
        Section("methods", "Methods", methods_section(cfg, monitoring=False)),
    ]


def _changes_summary(counts: ChangesResults) -> list[Block]:
    if counts.previous is None:
        return [Paragraph("Changes since the previous report: this is the first data cut.")]
    shown = lambda n: "not comparable" if n is None else str(n)  # noqa: E731
    records = counts.records or {}
    parts = [f"{shown(n)} {label}" for n, label in (
        (counts.new_subjects, "new subjects"), (counts.new_deaths, "new deaths"),
        (counts.new_saes, "new SAEs"), (counts.new_responses, "new confirmed responses"),
        (counts.new_progressions, "new progressions"))]
    parts += [f"{records.get(kind, 0)} {kind.lower()} SDTM records"
              for kind in ("CHANGED", "REMOVED")]
    return [Paragraph(f"Since the previous report ({counts.previous}): " + ", ".join(parts) +
                      ". Details in the section 'Changes since the previous cut'.")]
