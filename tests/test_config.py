"""Configuration: layers merge, errors name the key, another study does not inherit this one; the
three parts (analysis, operation, simulation); where the files are found; the packaged defaults."""
from __future__ import annotations

import typing
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from tasks.config import (
    CONFIG_ENV,
    DEFAULTS_FILE,
    PACKAGED_CONFIG_DIR,
    Settings,
    deep_merge,
    load_config,
    load_settings,
)
from tasks.errors import ConfigError
from tasks.model import Cut, SourceFile

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "partial.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def test_trial_config_loads_with_every_rule_default():
    cfg = load_config()
    assert cfg.study.id == "TQB2868-HAIC-201"
    assert cfg.response.confirmation_min_days == 28 and cfg.response.sd_min_days == 42
    assert cfg.safety.teae_window_days == 30
    assert [c.code for c in cfg.study.components] == ["HAIC", "TQB2868", "RAM"]
    assert [d.extrt for d in cfg.study.components[0].drugs] == ["OXALIPLATIN", "RALTITREXED"]


def test_partial_config_merges_over_the_trial_config(tmp_path):
    cfg = load_config(write(tmp_path, {"response": {"confirmation_min_days": 35}}))
    assert cfg.response.confirmation_min_days == 35
    assert cfg.response.sd_min_days == 42                   # untouched key keeps its default
    assert cfg.study.id == "TQB2868-HAIC-201"                # same study: trial block inherited


def test_another_study_inherits_only_the_generic_defaults(tmp_path):
    cfg = load_config(write(tmp_path, {"study": {"id": "OTHER-01"}}))
    assert cfg.study.id == "OTHER-01"
    assert cfg.study.arms == () and cfg.study.components == ()
    assert cfg.study.planned_enrollment is None
    assert cfg.baseline.characteristics == () and cfg.monitoring.simon.p0 is None
    assert cfg.response.confirmation_min_days == 28           # generic rule defaults still apply


def test_unknown_key_is_an_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"response\.confirmation_days"):
        load_config(write(tmp_path, {"response": {"confirmation_days": 28}}))


def test_wrong_value_is_an_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"response\.reference_date"):
        load_config(write(tmp_path, {"response": {"reference_date": "CONSENT"}}))
    with pytest.raises(ConfigError, match=r"safety\.teae_window_days"):
        load_config(write(tmp_path, {"safety": {"teae_window_days": -1}}))


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_deep_merge_merges_mappings_and_replaces_lists():
    merged = deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 1}, {"a": {"y": [3]}, "c": 2})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


def test_config_digest_changes_with_any_rule(tmp_path):
    assert load_config().digest() == load_config().digest()
    assert (load_config(write(tmp_path, {"safety": {"teae_window_days": 28}})).digest()
            != load_config().digest())


def test_prefect_schedule_agrees_with_the_configured_schedule():
    deployments = {d["name"]: d
                   for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]}
    schedule = deployments["monthly-cut"]["schedules"][0]
    operation = load_settings().operation
    assert (schedule["cron"], schedule["timezone"]) == \
        (operation.schedule.cron, operation.schedule.timezone)
    assert set(deployments) == {"monthly-cut", "interim-analysis", "deliver-report"}


# --- the three parts --------------------------------------------------------------------------

def test_settings_split_the_flat_yaml_into_analysis_operation_and_simulation():
    settings = load_settings()
    assert set(type(settings.analysis).model_fields) == {
        "study", "validation", "cutoff", "adsl", "populations", "baseline", "response",
        "survival", "safety", "labs", "monitoring", "report"}
    assert set(type(settings.operation).model_fields) == {"source", "reports", "schedule",
                                                           "delivery"}
    operation = settings.operation
    assert (operation.source.root, operation.source.encoding, operation.reports.root) == \
        ("data/cuts", "utf-8", "reports")
    assert (operation.delivery.channel, len(operation.delivery.closed)) == ("folder", 3)  # demo
    assert settings.simulation.first_enrolment == date(2025, 5, 1)
    assert load_config() == settings.analysis


OPERATION_ONLY = {"source": {"root": "/elsewhere", "read_retries": 9, "encoding": "cp1252"},
                  "reports": {"root": "/other/reports"},
                  "schedule": {"cron": "0 7 2 * *", "timezone": "Europe/Paris"},
                  "delivery": {"closed": [{"name": "A. Chair", "email": "chair@dsmb.org"}]},
                  "simulation": {"true_orr": 0.5}}


def test_digest_covers_the_analysis_only(tmp_path):
    operated = load_settings(write(tmp_path, OPERATION_ONLY))
    assert operated.operation.source.read_retries == 9 and operated.simulation.true_orr == 0.5
    assert operated.analysis.digest() == load_config().digest()


def test_adam_cache_key_survives_operation_changes_not_rule_changes(tmp_path):
    """flows/steps.py keys the derivations on cfg.digest(): a new retry count or reports root
    must not discard the cache; a rule change must."""
    from flows.steps import derivation_cache_key

    files = {"dm": SourceFile("dm", "dm.csv", "/cuts/2026-10-31/dm.csv", "a" * 64, 3)}
    cut = Cut(date(2026, 10, 31), "/cuts/2026-10-31", {}, files)

    def key(cfg):
        return derivation_cache_key(None, {"cut": cut, "cfg": cfg})
    assert key(load_config(write(tmp_path, OPERATION_ONLY))) == key(load_config())
    rule = tmp_path / "rule.yaml"
    rule.write_text(yaml.safe_dump({"safety": {"teae_window_days": 28}}))
    assert key(load_config(rule)) != key(load_config())


# --- where the files are found ----------------------------------------------------------------

def _trial_folder(folder: Path, study: str, aesi: dict) -> None:
    (folder / "config").mkdir(parents=True)
    (folder / "config" / "trial.yaml").write_text(yaml.safe_dump({"study": {"id": study}}))
    (folder / "config" / "aesi.yaml").write_text(yaml.safe_dump(aesi))


def test_without_a_config_folder_the_packaged_trial_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    cfg = load_config()
    assert cfg.study.id == "TQB2868-HAIC-201"
    assert "Hypertension" in cfg.aesi_groups()                      # the packaged aesi.yaml
    assert DEFAULTS_FILE == PACKAGED_CONFIG_DIR / "defaults.yaml" and DEFAULTS_FILE.is_file()


def test_the_working_folders_config_is_the_trials(tmp_path, monkeypatch):
    _trial_folder(tmp_path, "LOCAL-01", {"Rash group": ["rash"]})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    cfg = load_config()
    assert cfg.study.id == "LOCAL-01" and cfg.study.components == ()
    assert cfg.response.confirmation_min_days == 28                 # the packaged defaults
    assert cfg.aesi_groups() == {"Rash group": ("RASH",)}           # next to its trial.yaml


def test_config_option_then_environment_variable_then_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "env.yaml").write_text(yaml.safe_dump({"response": {"sd_min_days": 35}}))
    (tmp_path / "option.yaml").write_text(yaml.safe_dump({"response": {"sd_min_days": 49}}))
    monkeypatch.setenv(CONFIG_ENV, "env.yaml")                      # relative: the working folder
    assert load_config().response.sd_min_days == 35
    assert load_config("option.yaml").response.sd_min_days == 49
    monkeypatch.delenv(CONFIG_ENV)
    assert load_config().response.sd_min_days == 42


def test_missing_file_named_by_the_environment_variable_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "gone.yaml"))
    with pytest.raises(ConfigError, match="config file not found: .*gone.yaml"):
        load_config()


def test_aesi_file_is_next_to_the_file_that_names_it(tmp_path):
    other = tmp_path / "pilot"
    other.mkdir()
    (other / "pilot-aesi.yaml").write_text(yaml.safe_dump({"Falls": ["fall"]}))
    path = other / "pilot.yaml"
    path.write_text(yaml.safe_dump({"study": {"id": "PILOT"},
                                    "safety": {"aesi_file": "pilot-aesi.yaml"}}))
    cfg = load_config(path)
    assert cfg.aesi_groups() == {"Falls": ("FALL",)}
    # read once: every AESI table of a run sees the groups the run started with
    (other / "pilot-aesi.yaml").write_text(yaml.safe_dump({"Rash": ["rash"]}))
    assert cfg.aesi_groups() == {"Falls": ("FALL",)}
    assert load_config(path).aesi_groups() == {"Rash": ("RASH",)}


# --- errors in the operation and simulation parts name the key --------------------------------

@pytest.mark.parametrize("content,expected", [
    ({"source": {"encoding": "klingon"}}, r"source\.encoding: .*unknown text encoding 'klingon'"),
    ({"schedule": {"timezone": "Mars/Olympus"}}, r"schedule\.timezone: .*unknown time zone"),
    ({"source": {"read_retries": -1}}, r"source\.read_retries: "),
    ({"delivery": {"channel": "fax"}}, r"delivery\.channel: "),
    ({"delivery": {"smtp": {"security": "ssl"}}}, r"delivery\.smtp\.security: "),
    ({"delivery": {"closed": [{"name": "A", "email": "not-an-address"}]}},
     r"delivery\.closed\.0\.email: .*'not-an-address' is not an e-mail address"),
    ({"delivery": {"closed": [{"name": "A", "email": "a@x.org"}],
                   "open": [{"name": "A", "email": "A@X.org"}]}},
     r"a@x\.org in both the closed and the open audience"),
    ({"delivery": {"open": [{"name": "A", "email": "a@x.org"}, {"name": "B", "email": "a@x.org"}]}},
     r"open: a@x\.org listed more than once"),
    ({"delivery": {"channel": "smtp"}}, r"channel smtp needs smtp\.sender"),
    ({"delivery": {"smtp": {"password": "hunter2"}}},
     r"smtp\.password: a password is never written in a config file"),
    ({"simulation": {"true_orr": 1.5}}, r"simulation\.true_orr: "),
    ({"sourc": {"root": "x"}}, r"sourc: Extra inputs"),
])
def test_operation_and_simulation_errors_name_the_key(tmp_path, content, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(write(tmp_path, content))


def test_a_valid_smtp_delivery_loads(tmp_path):
    settings = load_settings(write(tmp_path, {"delivery": {
        "channel": "smtp", "smtp": {"host": "mail.example.org", "port": 587, "security": "starttls",
                                    "sender": "dsmb@example.org", "username_env": "SMTP_USER",
                                    "password_env": "SMTP_PASSWORD"},
        "closed": [{"name": "A. Chair", "email": "chair@dsmb.org", "role": "DSMB chair"}],
        "open": [{"name": "S. Ponsor", "email": "sponsor@pharma.com", "role": "sponsor"}]}}))
    delivery = settings.operation.delivery
    assert (delivery.smtp.port, delivery.smtp.password_env) == (587, "SMTP_PASSWORD")
    assert [r.role for r in (*delivery.closed, *delivery.open)] == ["DSMB chair", "sponsor"]


# --- defaults.yaml names every key with its default -------------------------------------------

def _model_of(annotation) -> type[BaseModel] | None:
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation if is_model else None


def _missing_keys(model: type[BaseModel], section: dict, prefix: str) -> list[str]:
    """Every field of `model` (recursively through nested models) that `section` does not set."""
    hints = typing.get_type_hints(model)
    missing = []
    for name in model.model_fields:
        if name not in section:
            missing.append(prefix + name)
        elif (nested := _model_of(hints[name])) and isinstance(section[name], dict):
            missing += _missing_keys(nested, section[name], f"{prefix}{name}.")
    return missing


def test_defaults_yaml_names_every_key_with_its_default():
    defaults = yaml.safe_load(DEFAULTS_FILE.read_text())
    parts = {"analysis": {k: v for k, v in defaults.items() if k not in
                          ("source", "reports", "schedule", "delivery", "simulation")},
             "operation": {k: defaults[k] for k in ("source", "reports", "schedule", "delivery")},
             "simulation": defaults["simulation"]}
    assert _missing_keys(Settings, parts, "") == []
    for key in ("encoding", "channel", "security", "password_env", "closed"):   # says what it is
        line = next(line for line in DEFAULTS_FILE.read_text().splitlines()
                    if line.strip().startswith(f"{key}:"))
        assert "#" in line, line
