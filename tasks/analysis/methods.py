"""Methods (every configured rule, as used) and provenance (what data and code made the report)."""
from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from importlib import metadata

import pandas as pd

from tasks.adam.descriptions import rule_descriptions
from tasks.analysis.safety_counts import INDENT
from tasks.analysis.settings_words import (
    AREAS,
    CLOSED_ONLY_AREAS,
    SETTINGS,
    area_of,
    leaf_keys,
    uncovered_keys,
)
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, SourceFile, Table

METHOD_STATEMENTS = [
    "Objective response rate and disease control rate: exact (Clopper-Pearson) two-sided 95% "
    "confidence intervals.",
    "Kaplan-Meier estimates; median and quartiles with 95% CI by the Brookmeyer-Crowley method on "
    "the log-log transformed survival function (SAS PROC LIFETEST default; R survival conf.type = "
    "\"log-log\"); where S(t) equals 0.5 over an interval the median is the midpoint of that "
    "interval. Landmark rates with Greenwood log-log 95% CI. Median follow-up by the reverse "
    "Kaplan-Meier method.",
    "Durations in days are end - start + 1; months = days / 30.4375.",
    "Adverse events: a subject counts once per row at the worst CTCAE grade; percentages over the "
    "safety population.",
]
MONITORING_STATEMENTS = [
    "Pending is never failure: a response-evaluable subject counts for the response rates and the "
    "monitoring rules only once the response is settled (a confirmed response, progression or "
    "death, or the first assessment and its confirmation window past without a CR or PR that can "
    "still be confirmed). An unconfirmed CR or PR stays pending until its confirming assessment "
    "(the first scheduled one at least the confirmation interval later) is overdue by the "
    "assessment window.",
    "Simon final analysis: all n subjects of the design enrolled and settled. Before it, a final "
    "boundary already exceeded reads FINAL BOUNDARY EXCEEDED; DECLARE PROMISING only at it.",
    "Inference once stage 2 is reached: p-value and exact confidence interval under the stage-wise "
    "ordering (Koyama & Chen, Stat Med 2008), UMVUE (Jung & Kim, Stat Med 2004), two-sided at "
    "1 - 2 alpha; the naive binomial p-value and Clopper-Pearson interval are shown beside them.",
    "Items for the DSMB's attention are chosen by rules: each death within the window of last dose "
    "or of unknown cause, each grade 5 TEAE, new serious adverse events since the previous cut, a "
    "monitoring boundary crossed or within the configured number of events, subjects whose data "
    "are behind the cutoff by more than the data-currency limit.",
]
DEATH_RESET_STATEMENT = (
    "A death after the cutoff counts nowhere at this cut: the cutoff clears it in DM, and clears "
    "the fatal outcome of the subject's AEs (AEOUT FATAL, AESDTH Y and CTCAE grade 5 set to "
    "missing: the grade before death is not recorded, so the event counts with a missing grade); "
    "every change is listed with the cutoff's other changes.")
SOFTWARE = ("prefect", "pandas", "numpy", "scipy", "lifelines", "pandera", "pydantic", "jinja2",
            "weasyprint", "matplotlib", "pyarrow")


def configured_rules(cfg: TrialConfig, monitoring: bool = True) -> pd.DataFrame:
    """Every setting in force as a rule in words, one row each: area, rule (the sentence, with
    its values), set_in (the config files that set it), setting (its keys) and value (the
    values, JSON). The monitoring rules are left out for the open session (`monitoring=False`);
    a key no Setting says in words prints as 'The setting KEY is VALUE.'."""
    areas = [a for a in AREAS if monitoring or a not in CLOSED_ONLY_AREAS]
    values = leaf_keys(cfg, areas)
    rows = [(area_of(setting), setting.words(cfg), setting.keys) for setting in SETTINGS
            if area_of(setting) in areas]
    rows += [(key.split(".")[0], f"The setting {key} is {json.dumps(values[key])}.", (key,))
             for key in uncovered_keys(cfg) if key in values]
    order = {area: i for i, area in enumerate(areas)}
    rows.sort(key=lambda row: order[row[0]])          # stable: the SETTINGS order within an area
    return pd.DataFrame(
        [{"area": AREAS[area], "rule": rule, "set_in": ", ".join(cfg.set_in(keys)),
          "setting": ", ".join(keys),
          "value": json.dumps({k: v for k, v in values.items()
                               if any(k == key or k.startswith(key + ".") for key in keys)},
                              sort_keys=True)}
         for area, rule, keys in rows],
        columns=["area", "rule", "set_in", "setting", "value"])


def _keys_text(keys: list[str]) -> str:
    """'monitoring.simon: p0, p1' for keys of one mapping; a single key as it is."""
    parents = {key.rpartition(".")[0] for key in keys}
    if len(keys) == 1 or len(parents) != 1:
        return ", ".join(keys)
    return f"{parents.pop()}: {', '.join(key.rpartition('.')[2] for key in keys)}"


def rules_table(cfg: TrialConfig, monitoring: bool = True) -> Table:
    """Table 16.5.1: configured_rules() by area, each rule in words beside where it is set."""
    data = configured_rules(cfg, monitoring)
    display = []
    for area, rows in data.groupby("area", sort=False):
        display.append((area, "", ""))
        display += [(INDENT + rule, set_in, _keys_text(setting.split(", ")))
                    for rule, set_in, setting in zip(rows["rule"], rows["set_in"], rows["setting"])]
    return Table(
        id="t_16_5_1_methods_rules", number="16.5.1", title="Rules and settings in force",
        population="Configuration of this analysis", data=data, source="config",
        display=pd.DataFrame(display, columns=["Rule", "Set in", "Setting"]),
        footnotes=["Set in: the file whose value is in force. defaults.yaml holds interim's "
                   "defaults, trial.yaml this trial's configuration; a file given with --config "
                   "(or INTERIM_CONFIG) overrides both. Setting: the configuration keys the rule "
                   "states."])


def software_versions() -> pd.DataFrame:
    rows = [{"software": "python", "version": platform.python_version()}]
    rows += [{"software": name, "version": metadata.version(name)} for name in SOFTWARE]
    return pd.DataFrame(rows)


def derivation_rules_table(cfg: TrialConfig) -> Table:
    """Table 16.5.3: the BOR / CBOR categories and the time-to-event sources, in the order the
    derivations apply them, printed from the same rule objects (tasks.adam.descriptions)."""
    data = rule_descriptions(cfg)
    months = f"{cfg.response.dcr_window_months:g}"
    return Table(
        id="t_16_5_3_derivation_rules", number="16.5.3",
        title="Rules of the response and time-to-event derivations",
        population="Configuration of this analysis", data=data, source="config", landscape=True,
        display=pd.DataFrame({"Parameter": data["parameter"], "Order": data["order"].astype(str),
                              "Result": data["rule"], "Rule": data["description"]}),
        footnotes=["BOR / CBOR (and IBOR / ICBOR, iRECIST): per subject, the first rule that any "
                   "analysis assessment meets, dated by the first such assessment (admiralonco's "
                   f"derive_extreme_event). BORW / CBORW apply the same rules to the assessments "
                   f"within {months} months of the reference date; BORIRC / CBORIRC to the "
                   "independent reviewer's assessments.",
                   "OS, PFS, DOR, TTR: the earliest event that applies, else the latest censoring "
                   "date that applies; on the same date the first event, or the last censoring "
                   "rule listed (admiral's derive_param_tte). PFSNMISS applies the PFS rules "
                   "without the missed-assessment rule, PFSNACT without the new-therapy rule and "
                   "to every assessment, PFSIRC to the independent reviewer's assessments."])


def methods_section(cfg: TrialConfig, monitoring: bool = True) -> list[Block]:
    software = software_versions()
    statements = [*METHOD_STATEMENTS, DEATH_RESET_STATEMENT,
                  *(MONITORING_STATEMENTS if monitoring else [])]
    paragraphs: list[Block] = [Paragraph(text) for text in statements]
    return paragraphs + [
        rules_table(cfg, monitoring),
        Table(id="t_16_5_2_software", number="16.5.2", title="Software versions",
              population="This analysis", data=software, source="environment",
              display=software.rename(columns={"software": "Software", "version": "Version"})),
        derivation_rules_table(cfg),
    ]


@dataclass
class Provenance:
    files: list[SourceFile]
    config_digest: str
    code_version: str
    flow_run_id: str
    parameters: dict[str, str]
    previous_manifest_sha256: str | None
    notes: list[str] = field(default_factory=list)


def provenance_section(provenance: Provenance, with_hashes: bool = True) -> list[Block]:
    """Tables 16.6.1-2. `with_hashes=False` (the open report) leaves out the sha256 of the input
    files and of the previous manifest: the open package holds no hash of a file outside it."""
    columns = ["domain", "file", "rows"] + (["sha256"] if with_hashes else [])
    files = pd.DataFrame([{"domain": f.domain, "file": f.name, "rows": f.rows, "sha256": f.sha256}
                          for f in sorted(provenance.files, key=lambda f: f.name)],
                         columns=["domain", "file", "rows", "sha256"])[columns]
    chain = [("Previous version's manifest sha256",
              provenance.previous_manifest_sha256 or "none (first version)")] if with_hashes else []
    run = pd.DataFrame(
        [("Configuration sha256", provenance.config_digest),
         ("Code version", provenance.code_version), ("Flow run id", provenance.flow_run_id), *chain]
        + [(f"Parameter: {k}", v) for k, v in sorted(provenance.parameters.items())],
        columns=["item", "value"])
    display = pd.DataFrame({"Domain": files["domain"].str.upper(), "File": files["file"],
                            "Rows": files["rows"].astype(str)})
    if with_hashes:
        display["sha256"] = files["sha256"]
        note = ("sha256 of the bytes read. manifest.json in the version folder holds these and the "
                "sha256 of every published file; `interim verify` checks them.")
    else:
        note = ("The sha256 of the files of this open package are in open-manifest.json, attached "
                "to this PDF.")
    notes: list[Block] = [Paragraph(note) for note in provenance.notes]
    return notes + [
        Table(id="t_16_6_1_input_files", number="16.6.1", title="Input files of the data cut",
              population="This data cut", data=files, source="data cut", landscape=with_hashes,
              display=display, footnotes=[note]),
        Table(id="t_16_6_2_run", number="16.6.2", title="Run provenance",
              population="This analysis",
              data=run, source="manifest",
              display=run.rename(columns={"item": "Item", "value": "Value"})),
    ]
