"""The trial's configuration in three typed parts: the analysis (TrialConfig), its operation, the
simulator. Layers: the packaged defaults.yaml <- the trial's config <- an optional partial file.

Where the files are: the trial's config is `config/trial.yaml` of the working folder, else the one
packaged with interim; the partial file is `--config FILE`, else $INTERIM_CONFIG, else none.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from tasks.errors import ConfigError
from tasks.operation import Operation

# The top-level config/ of a source checkout; a wheel holds a copy (tasks/packaged/ links to it).
PACKAGED_CONFIG_DIR = (Path(__file__).parent / "packaged" / "config").resolve()
DEFAULTS_FILE = PACKAGED_CONFIG_DIR / "defaults.yaml"
TRIAL_FILE_NAME = "trial.yaml"
CONFIG_ENV = "INTERIM_CONFIG"
# The sections of each part; every other top-level key belongs to the analysis.
OPERATION_SECTIONS = ("source", "reports", "schedule", "delivery")
SIMULATION_SECTION = "simulation"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arm(_Strict):
    code: str
    label: str


class Drug(_Strict):
    extrt: str
    planned_dose: float | None = None
    dose_unit: str | None = None
    interval_days: int | None = None
    max_administrations: int | None = None


class Component(_Strict):
    """A study treatment as relatedness and action taken are recorded (HAIC = oxaliplatin +
    raltitrexed)."""
    code: str
    label: str
    relatedness_qnam: str | None = None
    action_qnam: str | None = None       # SUPPAE QNAM of the action taken with this component
    drugs: tuple[Drug, ...]


class Study(_Strict):
    id: str
    title: str
    phase: str
    indication: str
    randomized: bool
    planned_enrollment: int | None
    arms: tuple[Arm, ...]
    components: tuple[Component, ...]


class Validation(_Strict):
    max_findings_per_rule: int = Field(ge=1)
    max_line_bytes: int = Field(ge=1024)
    response_test: str
    diameter_tests: tuple[str, ...]
    after_consent_domains: tuple[str, ...]
    after_death_error_domains: tuple[str, ...]
    special_arm_codes: tuple[str, ...]


class Cutoff(_Strict):
    date_variables: dict[str, str]
    end_date_variables: dict[str, str]


class AdslRules(_Strict):
    zero_dose_treatments: tuple[str, ...]
    last_known_alive: tuple[str, ...]
    end_of_treatment_epoch: str
    end_of_study_epochs: tuple[str, ...]


class Populations(_Strict):
    response_evaluable_requires_measurable: bool


class BaselineCharacteristic(_Strict):
    variable: str
    label: str
    qnam: str


class BaselineLab(_Strict):
    variable: str
    label: str
    lbtestcd: str
    threshold: float


class Baseline(_Strict):
    characteristics: tuple[BaselineCharacteristic, ...]
    labs: tuple[BaselineLab, ...]


class NewAnticancerTherapy(_Strict):
    domain: str
    category_variable: str
    category_values: tuple[str, ...]
    date_variable: str


class Irecist(_Strict):
    category: str
    confirm_min_days: int = Field(ge=1)
    confirm_max_days: int | None = Field(ge=1)


class Response(_Strict):
    evaluator: str
    independent_evaluator: str | None
    reference_date: Literal["TRTSDT", "RANDDT"]
    confirmation_min_days: int = Field(ge=1)
    sd_min_days: int = Field(ge=0)
    max_ne_between: int = Field(ge=0)
    accept_sd_between: bool
    missing_as_ne: bool
    pfs_missed_assessments: bool
    dcr_window_months: float = Field(gt=0)
    dcr_landmark_window_days: int = Field(ge=0)
    rate_conf_level: float = Field(gt=0, lt=1)
    assessment_interval_days: int = Field(gt=0)
    assessment_window_days: int = Field(ge=0)
    lesion_criteria: Literal["RECIST 1.1", "mRECIST"]
    pr_min_decrease_pct: float = Field(gt=0, lt=100)
    pd_min_increase_pct: float = Field(gt=0)
    pd_min_increase_mm: float = Field(ge=0)
    node_normal_mm: float = Field(gt=0)
    new_anticancer_therapy: NewAnticancerTherapy | None
    exclude_after_new_therapy: bool
    irecist: Irecist


class Survival(_Strict):
    landmarks_months: tuple[float, ...]
    conf_level: float = Field(gt=0, lt=1)
    conf_type: Literal["log-log"]


class Hepatic(_Strict):
    child_pugh_variable: str | None
    decompensation: dict[str, tuple[str, ...]]


class ReconciledTest(_Strict):
    terms: tuple[str, ...]
    explained_by: tuple[str, ...]


class Reconciliation(_Strict):
    min_grade: int = Field(ge=1, le=4)
    window_days: int = Field(ge=0)
    tests: dict[str, ReconciledTest]


class AesiCourse(_Strict):
    landmarks_months: tuple[float, ...]
    figure_groups: int = Field(ge=1)


class ImmuneTreatment(_Strict):
    groups: tuple[str, ...]
    window_days: int = Field(ge=0)
    exclude_routes: tuple[str, ...]
    classes: dict[str, tuple[str, ...]]


class Safety(_Strict):
    teae_window_days: int = Field(ge=0)
    aesi_window_days: int = Field(ge=0)
    aesi_file: str
    aesi_long_window_groups: tuple[str, ...]
    death_window_days: int = Field(ge=0)
    unknown_death_causes: tuple[str, ...]
    open_report_pooled_safety: bool
    related_values: tuple[str, ...]
    missing_relatedness_as_related: bool
    incidence_conf_level: float = Field(gt=0, lt=1)
    hepatic: Hepatic
    reconciliation: Reconciliation
    aesi_course: AesiCourse
    immune_treatment: ImmuneTreatment


class Labs(_Strict):
    liver_tests: dict[str, str]
    hys_law_transaminase_uln: float = Field(gt=0)
    hys_law_bilirubin_uln: float = Field(gt=0)
    hys_law_window_days: int = Field(ge=0)


class SimonDesign(_Strict):
    r1: int = Field(ge=0)
    n1: int = Field(ge=1)
    r: int = Field(ge=0)
    n: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> SimonDesign:
        if not (self.r1 < self.n1 <= self.n and self.r1 <= self.r < self.n):
            raise ValueError("needs r1 < n1 <= n and r1 <= r < n")
        return self


class Simon(_Strict):
    p0: float | None = Field(gt=0, lt=1)
    p1: float | None = Field(gt=0, lt=1)
    alpha: float = Field(gt=0, lt=1)
    beta: float = Field(gt=0, lt=1)
    n_max: int = Field(ge=2, le=500)
    design: SimonDesign | None
    choice: Literal["optimal", "minimax"]


class Predictive(_Strict):
    enabled: bool
    prior_a: float = Field(gt=0)
    prior_b: float = Field(gt=0)
    p0: float | None
    theta_t: float = Field(gt=0, lt=1)
    theta_l: float = Field(ge=0, lt=1)
    n_max: int | None


class SafetyStopping(_Strict):
    enabled: bool
    event: str
    window_days: int = Field(gt=0)
    threshold: float = Field(gt=0, lt=1)
    probability_cutoff: float = Field(gt=0, lt=1)
    prior_a: float = Field(gt=0)
    prior_b: float = Field(gt=0)


class Monitoring(_Strict):
    simon: Simon
    predictive: Predictive
    safety_stopping: SafetyStopping
    attention_margin_events: int = Field(ge=0)


class Report(_Strict):
    data_currency_days: int = Field(ge=1)
    glance_items_per_rule: int = Field(ge=1)
    max_listing_rows_in_pdf: int = Field(ge=1)
    max_figure_subjects: int = Field(ge=1)
    max_profiles_in_pdf: int = Field(ge=0)
    pdfa: bool


class Simulation(_Strict):
    first_enrolment: date
    enrolment_months: int = Field(ge=1)
    sites: tuple[str, ...]
    true_orr: float = Field(ge=0, le=1)
    median_pfs_months: float = Field(gt=0)
    median_os_months: float = Field(gt=0)
    screen_failure_rate: float = Field(ge=0, lt=1)
    follow_up_months: int = Field(ge=1)


class TrialConfig(_Strict):
    """The analysis config: every section that changes a number, a table or the report."""
    study: Study
    validation: Validation
    cutoff: Cutoff
    adsl: AdslRules
    populations: Populations
    baseline: Baseline
    response: Response
    survival: Survival
    safety: Safety
    labs: Labs
    monitoring: Monitoring
    report: Report
    # The folder a relative safety.aesi_file is read from (not config: not in the digest).
    _aesi_dir: Path = PrivateAttr(default=PACKAGED_CONFIG_DIR)
    # Dotted key -> the config file that set it, in layer order (what the Methods print; the
    # same values from other files are the same analysis: not in the digest).
    _set_in: dict[str, str] = PrivateAttr(default_factory=dict)
    # The AESI groups of each file read (a file is read once per config).
    _aesi_read: dict[Path, dict[str, tuple[str, ...]]] = PrivateAttr(default_factory=dict)

    def digest(self) -> str:
        """sha256 of the resolved analysis config (canonical JSON), for the manifest and caching."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def set_in(self, keys: tuple[str, ...]) -> list[str]:
        """The files that set `keys` or any key under them, in layer order ([] when this config
        was not read from files)."""
        files = [name for key, name in self._set_in.items()
                 if any(key == k or key.startswith(k + ".") for k in keys)]
        return sorted(set(files), key=list(dict.fromkeys(self._set_in.values())).index)

    def aesi_groups(self) -> dict[str, tuple[str, ...]]:
        """The AESI groups (name -> preferred terms, upper case) of safety.aesi_file."""
        path = self._aesi_dir / self.safety.aesi_file
        if path not in self._aesi_read:        # read once: every AESI table asks for them
            groups = _read_yaml(path)
            if not isinstance(groups, dict):
                raise ConfigError(f"{path}: expected a mapping of AESI group name -> list of "
                                  "preferred terms")
            self._aesi_read[path] = {name: tuple(str(t).upper() for t in terms)
                                     for name, terms in groups.items()}
        return dict(self._aesi_read[path])


class Settings(_Strict):
    """The whole config: what changes the analysis, how the run is operated, the simulator."""
    analysis: TrialConfig
    operation: Operation
    simulation: Simulation


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def deep_merge(base: dict, override: dict) -> dict:
    """Mappings merge key by key; lists and scalars in `override` replace those of `base`."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def trial_file() -> Path:
    """config/trial.yaml of the working folder, else the one packaged with interim."""
    local = Path("config", TRIAL_FILE_NAME).resolve()
    return local if local.is_file() else PACKAGED_CONFIG_DIR / TRIAL_FILE_NAME


def partial_file(config_file: Path | str | None) -> Path | None:
    """The partial config in use: `config_file` (--config), else $INTERIM_CONFIG, else None;
    a relative path is relative to the working folder."""
    chosen = config_file or os.environ.get(CONFIG_ENV) or None
    return Path(chosen).resolve() if chosen else None


def _layers(trial_path: Path, config_file: Path | None) -> list[tuple[Path, dict]]:
    """defaults.yaml, then this trial's file, then `config_file`. A file that names another
    study.id is another study: it merges over the generic defaults only, so that nothing of this
    trial (arms, drugs, baseline characteristics, design) carries over."""
    defaults = (DEFAULTS_FILE, _read_yaml(DEFAULTS_FILE))
    trial = (trial_path, _read_yaml(trial_path))
    if config_file is None or config_file == trial_path:
        return [defaults, trial]
    extra = _read_yaml(config_file)
    if not isinstance(extra, dict):
        raise ConfigError(f"{config_file}: expected a mapping at the top level")
    other_study = (extra.get("study") or {}).get("id")
    if other_study and other_study != (trial[1].get("study") or {}).get("id"):
        return [defaults, (config_file, extra)]
    return [defaults, trial, (config_file, extra)]


def _set_in(layers: list[tuple[Path, dict]]) -> dict[str, str]:
    """Dotted key -> the name of the last file that sets it, as deep_merge merges the layers: a
    mapping merges into a mapping, any other value replaces what was set at or under its key."""
    found: dict[str, str] = {}

    def visit(prefix: str, value: object, name: str) -> None:
        if isinstance(value, dict) and value:
            found.pop(prefix, None)
            for key, item in value.items():
                visit(f"{prefix}.{key}" if prefix else str(key), item, name)
            return
        for key in [k for k in found if k.startswith(prefix + ".")]:
            del found[key]
        found.pop(prefix, None)          # re-inserted last: the order of the layers
        found[prefix] = name

    for path, layer in layers:
        visit("", layer, path.name)
    # layer order: defaults first, then the trial's file, then the partial file
    order = [path.name for path, _ in layers]
    return dict(sorted(found.items(), key=lambda item: order.index(item[1])))


def _aesi_dir(layers: list[tuple[Path, dict]], trial_dir: Path) -> Path:
    """A relative safety.aesi_file is next to the file that names it; the default one (named by
    defaults.yaml) next to the trial's config."""
    for path, layer in reversed(layers):
        if "aesi_file" in (layer.get("safety") or {}):
            return trial_dir if path == DEFAULTS_FILE else path.parent
    return trial_dir


def load_settings(config_file: Path | str | None = None) -> Settings:
    """The three parts of the config: the layers merged, then split by section (OPERATION_SECTIONS,
    SIMULATION_SECTION, the analysis the rest) and checked. A wrong key or value is a
    ConfigError naming the key as it is written in the YAML."""
    trial_path, partial = trial_file(), partial_file(config_file)
    layers = _layers(trial_path, partial)
    merged: dict = {}
    for path, layer in layers:
        if not isinstance(layer, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        merged = deep_merge(merged, layer)
    parts = {"operation": {key: merged.pop(key) for key in OPERATION_SECTIONS if key in merged},
             "simulation": merged.pop(SIMULATION_SECTION, None), "analysis": merged}
    try:
        settings = Settings.model_validate(parts)
    except ValidationError as exc:
        problems = "; ".join(f"{_yaml_key(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"configuration ({partial or layers[-1][0]}) is not valid: "
                          f"{problems}") from None
    settings.analysis._aesi_dir = _aesi_dir(layers, trial_path.parent)
    settings.analysis._set_in = _set_in(layers)
    return settings


def _yaml_key(loc: tuple) -> str:
    """A validation error's location as the YAML key: analysis and operation are no sections."""
    keys = loc[1:] if loc[0] in ("analysis", "operation") and len(loc) > 1 else loc
    return ".".join(str(k) for k in keys)


def load_config(config_file: Path | str | None = None) -> TrialConfig:
    """The analysis part of load_settings(config_file)."""
    return load_settings(config_file).analysis
