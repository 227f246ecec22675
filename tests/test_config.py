"""Configuration: layers merge, errors name the key, another study does not inherit this one."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tasks.config import deep_merge, load_config
from tasks.errors import ConfigError

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
    assert load_config(write(tmp_path, {"safety": {"teae_window_days": 28}})).digest() != load_config().digest()


def test_prefect_schedule_agrees_with_the_configured_schedule():
    deployments = {d["name"]: d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]}
    schedule = deployments["monthly-cut"]["schedules"][0]
    cfg = load_config()
    assert (schedule["cron"], schedule["timezone"]) == (cfg.schedule.cron, cfg.schedule.timezone)
    assert set(deployments) == {"monthly-cut", "interim-analysis", "deliver-report"}
