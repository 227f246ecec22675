"""Every configured setting of the analysis as a rule in words, with its value (Table 16.5.1 of
the Methods): each Setting names the config keys it covers and says them in one sentence. A key
that no Setting covers still prints, as 'The setting KEY is VALUE.' (uncovered_keys lists them
for the tests): add a Setting when a config key is added."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tasks.config import TrialConfig
from tasks.monitoring.cohorts import SAFETY_EVENTS
from tasks.report import formatting as fmt

# Config sections printed in the Methods, in this order, with their area's name.
AREAS = {"study": "Study", "validation": "Data checks", "cutoff": "Data cutoff",
         "adsl": "Subject-level derivations", "populations": "Analysis populations",
         "baseline": "Baseline characteristics", "response": "Tumour response",
         "survival": "Time to event", "safety": "Safety", "labs": "Liver laboratory tests",
         "monitoring": "Interim monitoring", "report": "Report"}
CLOSED_ONLY_AREAS = ("monitoring",)


@dataclass(frozen=True)
class Setting:
    """One rule of the configuration: the keys it covers and the sentence that states it."""
    keys: tuple[str, ...]
    words: Callable[[TrialConfig], str]


def _items(values: Iterable[object], last: str = "and") -> str:
    """'A, B and C' ('none' when there is none; a blank value as '(blank)')."""
    texts = [_value(v) or "(blank)" for v in values]
    if not texts:
        return "none"
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} {last} {texts[-1]}"


def _value(value: object) -> str:
    return fmt.plain(value) if isinstance(value, float) else fmt.text(value)


def _pct(level: float) -> str:
    return f"{fmt.plain(100 * level)}%"


def _by_domain(mapping: dict[str, str]) -> str:
    return _items(f"{domain.upper()} {variable}" for domain, variable in mapping.items())


def _yes(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


def _components(c: TrialConfig) -> str:
    if not c.study.components:
        return ("The study treatments are the EXTRT values in EX, one component each; relatedness "
                "is read from AEREL only.")
    parts = [f"{k.label} ({_items(d.extrt for d in k.drugs)}; relatedness "
             f"{'in SUPPAE QNAM ' + k.relatedness_qnam if k.relatedness_qnam else 'from AEREL'})"
             for k in c.study.components]
    return f"Study treatments, as relatedness is recorded: {_items(parts)}."


def _simon_design(c: TrialConfig) -> str:
    simon = c.monitoring.simon
    if simon.design:
        d = simon.design
        return (f"The Simon design is fixed: stage 1 of {d.n1} subjects, stop for futility with "
                f"{d.r1} or fewer responses; {d.n} subjects in all, promising with more than "
                f"{d.r} responses (the {simon.choice} search up to n = {simon.n_max} is not used).")
    return (f"The Simon design is computed: the {simon.choice} design with at most "
            f"{simon.n_max} subjects.")


def _safety_stopping(c: TrialConfig) -> str:
    rule = c.monitoring.safety_stopping
    if not rule.enabled:
        return "The Bayesian safety stopping rule is off."
    event = SAFETY_EVENTS[rule.event].label.format(window=rule.window_days) \
        if rule.event in SAFETY_EVENTS else rule.event
    return (f"Bayesian safety stopping: the safety boundary is crossed when the posterior "
            f"probability that the rate of {event} ({rule.event}) exceeds "
            f"{fmt.plain(rule.threshold)} is above {fmt.plain(rule.probability_cutoff)}, with a "
            f"Beta({fmt.plain(rule.prior_a)}, {fmt.plain(rule.prior_b)}) prior.")


def _predictive(c: TrialConfig) -> str:
    rule = c.monitoring.predictive
    if not rule.enabled:
        return "The Bayesian predictive probability rule is off."
    return (f"Bayesian predictive probability of success with a Beta({fmt.plain(rule.prior_a)}, "
            f"{fmt.plain(rule.prior_b)}) prior: success at the end when the posterior probability "
            f"that the response rate exceeds p0 is above {fmt.plain(rule.theta_t)}; futility when "
            f"the predictive probability of success is below {fmt.plain(rule.theta_l)}.")


def _lesions(c: TrialConfig) -> str:
    r = c.response
    return (f"The lesion check recomputes each visit's response by {r.lesion_criteria} from the "
            f"measurements: partial response at a target sum at least "
            f"{fmt.plain(r.pr_min_decrease_pct)}% below baseline, progression at least "
            f"{fmt.plain(r.pd_min_increase_pct)}% and {fmt.plain(r.pd_min_increase_mm)} mm above "
            f"the nadir; a target lymph node under {fmt.plain(r.node_normal_mm)} mm short axis "
            "is normal.")


def _new_therapy(c: TrialConfig) -> str:
    therapy = c.response.new_anticancer_therapy
    if therapy is None:
        return "No new anticancer therapy is configured: PFS and DOR are not censored at one."
    return (f"New anticancer therapy ({therapy.domain.upper()} records with "
            f"{therapy.category_variable} {_items(therapy.category_values, 'or')}, dated by "
            f"{therapy.date_variable}) censors PFS and DOR at the last adequate assessment "
            "before it.")


SETTINGS: tuple[Setting, ...] = (
    Setting(("study.id", "study.phase", "study.title", "study.indication"), lambda c: (
        f"Study {c.study.id}{', phase ' + c.study.phase if c.study.phase else ''}"
        f"{': ' + c.study.indication if c.study.indication else ''} (title on the title page).")),
    Setting(("study.randomized",), lambda c: _yes(
        c.study.randomized,
        "Randomised study: the randomisation date is the DS record DSDECOD RANDOMIZED and the "
        "full analysis set is the randomised subjects.",
        "Not randomised: the full analysis set is the subjects with at least one dose.")),
    Setting(("study.planned_enrollment",), lambda c: (
        f"Planned enrolment: {c.study.planned_enrollment} subjects."
        if c.study.planned_enrollment else "No planned enrolment is configured.")),
    Setting(("study.arms",), lambda c: (
        "Treatment arms (ACTARMCD = label): "
        + _items(f"{a.code} = {a.label}" for a in c.study.arms) + "."
        if c.study.arms else "Treatment arms come from the data (DM.ACTARM).")),
    Setting(("study.components",), _components),
    Setting(("validation.response_test",), lambda c: (
        f"The overall response of a tumour assessment is the RS record RSTESTCD "
        f"{c.validation.response_test}, in validation and in every derivation.")),
    Setting(("validation.diameter_tests",), lambda c: (
        f"Lesion diameters (mm, not negative) are the TR records TRTESTCD "
        f"{_items(c.validation.diameter_tests, 'or')}.")),
    Setting(("validation.after_consent_domains",), lambda c: (
        f"A date before informed consent is a warning in "
        f"{_items(d.upper() for d in c.validation.after_consent_domains)}.")),
    Setting(("validation.after_death_error_domains",), lambda c: (
        f"A date after death is an error in "
        f"{_items(d.upper() for d in c.validation.after_death_error_domains)}, a warning in "
        "the other domains.")),
    Setting(("validation.special_arm_codes",), lambda c: (
        f"ACTARMCD values that are not treatment arms: "
        f"{_items(c.validation.special_arm_codes, 'or')}.")),
    Setting(("validation.max_findings_per_rule",), lambda c: (
        f"At most {c.validation.max_findings_per_rule} findings are listed per rule and "
        "variable; the others are counted.")),
    Setting(("validation.max_line_bytes",), lambda c: (
        f"A text line longer than {c.validation.max_line_bytes} bytes means that a file is not "
        "a data table.")),
    Setting(("cutoff.date_variables",), lambda c: (
        f"A record dated after the cutoff is set aside, by the date of each domain: "
        f"{_by_domain(c.cutoff.date_variables)}; a partial date counts as its earliest "
        "possible day.")),
    Setting(("cutoff.end_date_variables",), lambda c: (
        f"A record kept across the cutoff is ongoing at the cutoff: its end date is cleared "
        f"({_by_domain(c.cutoff.end_date_variables)}).")),
    Setting(("adsl.zero_dose_treatments",), lambda c: (
        f"A dose of 0 counts as a dose of {_items(c.adsl.zero_dose_treatments, 'or')} (placebo); "
        "of any other treatment it does not." if c.adsl.zero_dose_treatments
        else "A dose of 0 never counts as a dose.")),
    Setting(("adsl.last_known_alive",), lambda c: (
        f"The last date known alive (LSTALVDT) is the latest, on or before the cutoff, of the "
        f"last dose date and {_items(c.adsl.last_known_alive)}.")),
    Setting(("adsl.end_of_treatment_epoch",), lambda c: (
        f"End of treatment: the DS disposition event of EPOCH "
        f"{c.adsl.end_of_treatment_epoch}.")),
    Setting(("adsl.end_of_study_epochs",), lambda c: (
        f"End of study: the DS disposition event of EPOCH "
        f"{_items(c.adsl.end_of_study_epochs, 'or')}.")),
    Setting(("populations.response_evaluable_requires_measurable",), lambda c: _yes(
        c.populations.response_evaluable_requires_measurable,
        "Response-evaluable: in the full analysis set with at least one target lesion at "
        "baseline (when the cut has TU).",
        "Response-evaluable: the full analysis set (no measurable disease required).")),
    Setting(("baseline.characteristics",), lambda c: (
        "Baseline characteristics (ADSL variable from SUPPDM QNAM): " + _items(
            f"{b.label} ({b.variable} from {b.qnam})" for b in c.baseline.characteristics) + "."
        if c.baseline.characteristics
        else "No baseline characteristic from SUPPDM is configured.")),
    Setting(("baseline.labs",), lambda c: (
        "Baseline laboratory values (the last value on or before the first dose), grouped at a "
        "threshold: " + _items(f"{b.label} ({b.variable} from LBTESTCD {b.lbtestcd}, < or >= "
                               f"{fmt.plain(b.threshold)})" for b in c.baseline.labs) + "."
        if c.baseline.labs else "No baseline laboratory value is configured.")),
    Setting(("response.evaluator",), lambda c: (
        f"The primary analysis uses the tumour assessments of the evaluator (RSEVAL) "
        f"{c.response.evaluator}.")),
    Setting(("response.reference_date",), lambda c: (
        "Response and time to event are measured from "
        + ("the first dose (TRTSDT)." if c.response.reference_date == "TRTSDT"
           else "randomisation (RANDDT)."))),
    Setting(("response.confirmation_min_days",), lambda c: (
        f"A CR or PR is confirmed by a CR or PR at least {c.response.confirmation_min_days} days "
        "later.")),
    Setting(("response.sd_min_days",), lambda c: (
        f"Stable disease counts as best response only at least {c.response.sd_min_days} days "
        "after the reference date.")),
    Setting(("response.max_ne_between",), lambda c: (
        f"At most {c.response.max_ne_between} NE assessment(s) may lie between a response and its "
        "confirmation.")),
    Setting(("response.accept_sd_between",), lambda c: _yes(
        c.response.accept_sd_between, "One SD may lie between a PR and its confirmation.",
        "No SD may lie between a PR and its confirmation.")),
    Setting(("response.missing_as_ne",), lambda c: (
        "A subject without any tumour assessment has best overall response "
        f"{_yes(c.response.missing_as_ne, 'NE', 'MISSING')}.")),
    Setting(("response.pfs_missed_assessments",), lambda c: _yes(
        c.response.pfs_missed_assessments,
        "PFS is censored at the last adequate assessment before an event that follows two or "
        "more missed assessments (FDA 2018).",
        "PFS is not censored for missed assessments before an event.")),
    Setting(("response.dcr_window_months",), lambda c: (
        f"The disease control rate at the landmark uses the assessments within "
        f"{fmt.plain(c.response.dcr_window_months)} months of the reference date.")),
    Setting(("response.rate_conf_level",), lambda c: (
        f"ORR and DCR with exact (Clopper-Pearson) two-sided {_pct(c.response.rate_conf_level)} "
        "confidence intervals.")),
    Setting(("response.assessment_interval_days", "response.assessment_window_days"), lambda c: (
        f"Tumour assessments are scheduled every {c.response.assessment_interval_days} days with "
        f"a tolerance of {c.response.assessment_window_days} days (missed assessments, pending "
        "confirmations).")),
    Setting(("response.lesion_criteria", "response.pr_min_decrease_pct",
             "response.pd_min_increase_pct", "response.pd_min_increase_mm",
             "response.node_normal_mm"), _lesions),
    Setting(("response.new_anticancer_therapy",), _new_therapy),
    Setting(("response.exclude_after_new_therapy",), lambda c: _yes(
        c.response.exclude_after_new_therapy,
        "Overall responses after the start of a new anticancer therapy do not count toward the "
        "best response (listed with their reason in the data-quality section).",
        "Overall responses after the start of a new anticancer therapy still count.")),
    Setting(("response.independent_evaluator",), lambda c: (
        f"The independent review is the overall responses of {c.response.independent_evaluator} "
        "in RS (with two readers, the accepted ones): its best response and PFS are shown beside "
        "the investigator's, with their concordance."
        if c.response.independent_evaluator else "There is no independent review of response.")),
    Setting(("response.dcr_landmark_window_days",), lambda c: (
        f"Disease control at the {fmt.plain(c.response.dcr_window_months)}-month landmark is "
        f"read from the assessment closest to it, at most {c.response.dcr_landmark_window_days} "
        "days away.")),
    Setting(("response.irecist.category", "response.irecist.confirm_min_days",
             "response.irecist.confirm_max_days"), lambda c: (
        f"iRECIST (exploratory) reads the RS records of RSCAT {c.response.irecist.category}: an "
        f"iUPD is confirmed as iCPD by an assessment at least {c.response.irecist.confirm_min_days}"
        " days after it" + (f" and at most {c.response.irecist.confirm_max_days} days after it."
                            if c.response.irecist.confirm_max_days else " (no upper limit)."))),
    Setting(("survival.landmarks_months",), lambda c: (
        f"Kaplan-Meier landmark rates at "
        f"{_items(fmt.plain(m) for m in c.survival.landmarks_months)} months.")),
    Setting(("survival.conf_level", "survival.conf_type"), lambda c: (
        f"Kaplan-Meier medians, quartiles and landmark rates with {_pct(c.survival.conf_level)} "
        f"confidence intervals on the {c.survival.conf_type} scale.")),
    Setting(("safety.teae_window_days",), lambda c: (
        f"An adverse event is treatment-emergent when it starts on or after the first dose and "
        f"at most {c.safety.teae_window_days} days after the last dose.")),
    Setting(("safety.aesi_file",), lambda c: (
        f"Adverse events of special interest: the groups of preferred terms of "
        f"{c.safety.aesi_file}.")),
    Setting(("safety.aesi_window_days", "safety.aesi_long_window_groups"), lambda c: (
        f"AESI of {_items(c.safety.aesi_long_window_groups)} count up to "
        f"{c.safety.aesi_window_days} days after the last dose (other AESI: the TEAE window).")),
    Setting(("safety.death_window_days",), lambda c: (
        f"Deaths within {c.safety.death_window_days} days of the last dose are counted apart and "
        "listed for the DSMB's attention.")),
    Setting(("safety.unknown_death_causes",), lambda c: (
        f"A cause of death of {_items(c.safety.unknown_death_causes, 'or')} (any case) is "
        "unknown.")),
    Setting(("safety.related_values",), lambda c: (
        f"An adverse event is related to a study drug when AEREL or the drug's SUPPAE assessment "
        f"is {_items(c.safety.related_values, 'or')} (any case).")),
    Setting(("safety.missing_relatedness_as_related",), lambda c: _yes(
        c.safety.missing_relatedness_as_related,
        "An adverse event without a relatedness assessment counts as related (conservative).",
        "An adverse event without a relatedness assessment counts as not related.")),
    Setting(("safety.incidence_conf_level",), lambda c: (
        f"Exposure-adjusted incidence rates with exact (Poisson) "
        f"{_pct(c.safety.incidence_conf_level)} confidence intervals.")),
    Setting(("safety.open_report_pooled_safety",), lambda c: _yes(
        c.safety.open_report_pooled_safety,
        "The open report shows the overview of treatment-emergent adverse events pooled over "
        "the arms.", "The open report shows no safety results.")),
    Setting(("safety.hepatic.child_pugh_variable",), lambda c: (
        f"TEAEs are also summarised by the baseline Child-Pugh class (ADSL "
        f"{c.safety.hepatic.child_pugh_variable})." if c.safety.hepatic.child_pugh_variable
        else "There is no summary by baseline Child-Pugh class (no ADSL variable configured).")),
    Setting(("safety.hepatic.decompensation",), lambda c: (
        "Hepatic decompensation is any TEAE of " + "; ".join(
            f"{name} ({_items(terms, 'or')})"
            for name, terms in c.safety.hepatic.decompensation.items()) + "."
        if c.safety.hepatic.decompensation
        else "No hepatic decompensation composite is configured.")),
    Setting(("safety.reconciliation.min_grade", "safety.reconciliation.window_days"), lambda c: (
        f"AEs and laboratory values of CTCAE grade {c.safety.reconciliation.min_grade} or more "
        f"are reconciled: a laboratory value within {c.safety.reconciliation.window_days} days of "
        "an AE's onset supports it.")),
    Setting(("safety.reconciliation.tests",), lambda c: (
        "The reconciled tests and their AE terms: " + "; ".join(
            f"{test}: {_items(t.terms, 'or')}"
            + (f" (also explained by {_items(t.explained_by, 'or')})" if t.explained_by else "")
            for test, t in c.safety.reconciliation.tests.items()) + "."
        if c.safety.reconciliation.tests else "No laboratory test is reconciled with AEs.")),
    Setting(("safety.aesi_course.landmarks_months", "safety.aesi_course.figure_groups"),
            lambda c: (
        f"The cumulative incidence of each AESI group (death a competing risk) is given at "
        f"{_items(fmt.plain(m) for m in c.safety.aesi_course.landmarks_months)} months; its "
        f"figure draws the {c.safety.aesi_course.figure_groups} groups with the most subjects.")),
    Setting(("safety.immune_treatment.groups", "safety.immune_treatment.window_days",
             "safety.immune_treatment.exclude_routes"), lambda c: (
        f"Systemic treatment of immune-related AEs ({_items(c.safety.immune_treatment.groups)}): "
        f"a CM started from the AE's onset to {c.safety.immune_treatment.window_days} days after "
        f"its end, by any route but {_items(c.safety.immune_treatment.exclude_routes, 'or')}.")),
    Setting(("safety.immune_treatment.classes",), lambda c: (
        "Classes of that treatment by CMDECOD: " + "; ".join(
            f"{name}: {_items(drugs, 'or')}"
            for name, drugs in c.safety.immune_treatment.classes.items()) + "."
        if c.safety.immune_treatment.classes else "No treatment classes are configured.")),
    Setting(("labs.liver_tests",), lambda c: (
        "The liver panel, graded by CTCAE v5 (test: LBTESTCD): "
        + _items(f"{name}: {code}" for name, code in c.labs.liver_tests.items()) + ".")),
    Setting(("labs.hys_law_transaminase_uln", "labs.hys_law_bilirubin_uln",
             "labs.hys_law_window_days"), lambda c: (
        f"Potential Hy's law: ALT or AST above {fmt.plain(c.labs.hys_law_transaminase_uln)} x "
        f"ULN and total bilirubin above {fmt.plain(c.labs.hys_law_bilirubin_uln)} x ULN, both on "
        f"treatment, at most {c.labs.hys_law_window_days} days apart.")),
    Setting(("monitoring.simon.p0", "monitoring.simon.p1", "monitoring.simon.alpha",
             "monitoring.simon.beta"), lambda c: (
        f"Simon two-stage design for the response rate: p0 = {fmt.plain(c.monitoring.simon.p0)} "
        f"(uninteresting), p1 = {fmt.plain(c.monitoring.simon.p1)} (target), alpha = "
        f"{fmt.plain(c.monitoring.simon.alpha)}, beta = {fmt.plain(c.monitoring.simon.beta)}."
        if c.monitoring.simon.p0 is not None and c.monitoring.simon.p1 is not None
        else "No Simon design: p0 and p1 are not configured.")),
    Setting(("monitoring.simon.design", "monitoring.simon.choice", "monitoring.simon.n_max"),
            _simon_design),
    Setting(("monitoring.predictive.enabled", "monitoring.predictive.prior_a",
             "monitoring.predictive.prior_b", "monitoring.predictive.theta_t",
             "monitoring.predictive.theta_l"), _predictive),
    Setting(("monitoring.predictive.p0",), lambda c: (
        f"The predictive probability's null response rate p0 is "
        f"{fmt.plain(c.monitoring.predictive.p0)}." if c.monitoring.predictive.p0 is not None
        else "The predictive probability's null response rate is the Simon p0.")),
    Setting(("monitoring.predictive.n_max",), lambda c: (
        f"The predictive probability looks ahead to {c.monitoring.predictive.n_max} subjects."
        if c.monitoring.predictive.n_max else
        "The predictive probability looks ahead to the Simon n, else the planned enrolment.")),
    Setting(("monitoring.safety_stopping",), _safety_stopping),
    Setting(("monitoring.attention_margin_events",), lambda c: (
        f"Page 2 names a monitoring boundary within {c.monitoring.attention_margin_events} "
        "event(s) of being crossed.")),
    Setting(("report.data_currency_days",), lambda c: (
        f"A subject whose last tumour assessment or contact is more than "
        f"{c.report.data_currency_days} days before the cutoff is flagged as behind.")),
    Setting(("report.glance_items_per_rule",), lambda c: (
        f"Page 2 lists the first {c.report.glance_items_per_rule} items of each attention rule "
        "and the count of the rest, with the listing that holds them all.")),
    Setting(("report.max_listing_rows_in_pdf",), lambda c: (
        f"A listing of more than {c.report.max_listing_rows_in_pdf} rows is in tables/ only "
        "(CSV and RTF), named in the PDF; the swimmer plot draws at most this many subjects.")),
    Setting(("report.max_figure_subjects",), lambda c: (
        f"A figure of more than {c.report.max_figure_subjects} subjects draws an aggregate "
        "(spider: medians and quartiles; eDISH: subjects per cell); every subject is in "
        "tables/.")),
    Setting(("report.max_profiles_in_pdf",), lambda c: (
        f"The first {c.report.max_profiles_in_pdf} patient profiles (deaths first, then by the "
        "worst TEAE grade) are pages of the closed report; every profile is in figures/profiles/ "
        "and tables/profiles/.")),
    Setting(("report.pdfa",), lambda c: _yes(
        c.report.pdfa, "The reports are PDF/A-3b files with their results and manifest attached.",
        "The reports are plain PDF files with their results and manifest attached.")),
)


def leaf_keys(cfg: TrialConfig, areas: Iterable[str] = AREAS) -> dict[str, object]:
    """Every configured value of `areas` by its dotted key (mappings opened, lists whole)."""
    found: dict[str, object] = {}

    def visit(prefix: str, value: object) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                visit(f"{prefix}.{key}", item)
        else:
            found[prefix] = value

    dumped = cfg.model_dump(mode="json")
    for area in areas:
        visit(area, dumped[area])
    return found


def _covers(setting_key: str, key: str) -> bool:
    return key == setting_key or key.startswith(setting_key + ".")


def uncovered_keys(cfg: TrialConfig) -> list[str]:
    """The configured keys that no Setting says in words."""
    return [key for key in leaf_keys(cfg)
            if not any(_covers(k, key) for s in SETTINGS for k in s.keys)]


def area_of(setting: Setting) -> str:
    return setting.keys[0].split(".")[0]
