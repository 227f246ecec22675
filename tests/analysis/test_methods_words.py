"""Methods, Table 16.5.1: every configured setting as a rule in words with its value and the file
that set it (defaults.yaml, the trial's config, --config); no configuration key printed alone."""
from __future__ import annotations

from pathlib import Path

import yaml

from tasks.analysis.methods import configured_rules, rules_table
from tasks.analysis.settings_words import SETTINGS, leaf_keys, uncovered_keys
from tasks.config import load_config

REPO = Path(__file__).resolve().parents[2]
PILOT = REPO / "tests" / "reference" / "pharmaverse.yaml"


def _rule(rules, key: str) -> dict:
    named = rules["setting"].str.split(", ").map(lambda keys: key in keys)
    (row,) = rules[named].to_dict("records")
    return row


def test_every_configured_key_is_said_in_words_and_every_setting_names_real_keys():
    for cfg in (load_config(), load_config(PILOT)):
        assert uncovered_keys(cfg) == []
        keys = leaf_keys(cfg)
        for setting in SETTINGS:
            for key in setting.keys:
                assert any(k == key or k.startswith(key + ".") for k in keys), key


def test_rules_read_as_sentences_with_their_values_and_sources():
    rules = configured_rules(load_config())
    teae = _rule(rules, "safety.teae_window_days")
    assert teae["rule"] == ("An adverse event is treatment-emergent when it starts on or after "
                            "the first dose and at most 30 days after the last dose.")
    assert teae["set_in"] == "defaults.yaml" and teae["area"] == "Safety"
    simon = _rule(rules, "monitoring.simon.p0")
    assert simon["rule"] == ("Simon two-stage design for the response rate: p0 = 0.1 "
                             "(uninteresting), p1 = 0.3 (target), alpha = 0.05, beta = 0.2.")
    assert simon["set_in"] == "trial.yaml"
    assert _rule(rules, "adsl.zero_dose_treatments")["rule"] == (
        "A dose of 0 counts as a dose of PLACEBO (placebo); of any other treatment it does not.")
    # values unset are said in words, not as '(not set)'
    assert _rule(rules, "monitoring.predictive.p0")["rule"] == (
        "The predictive probability's null response rate is the Simon p0.")
    keys = leaf_keys(load_config())
    for rule in rules["rule"]:
        assert "(not set)" not in rule and not any(key in rule for key in keys), rule


def test_a_value_from_a_config_file_names_that_file(tmp_path):
    partial = tmp_path / "dsmb-2.yaml"
    partial.write_text(yaml.safe_dump({"safety": {"teae_window_days": 14},
                                       "monitoring": {"simon": {"design": {
                                           "r1": 1, "n1": 10, "r": 5, "n": 29}}}}))
    rules = configured_rules(load_config(partial))
    teae = _rule(rules, "safety.teae_window_days")
    assert "at most 14 days after the last dose" in teae["rule"]
    assert teae["set_in"] == "dsmb-2.yaml"
    design = _rule(rules, "monitoring.simon.design")
    assert design["rule"].startswith("The Simon design is fixed: stage 1 of 10 subjects, stop for "
                                     "futility with 1 or fewer responses; 29 subjects in all")
    assert design["set_in"] == "defaults.yaml, trial.yaml, dsmb-2.yaml"


def test_the_open_report_leaves_the_monitoring_rules_out_and_the_table_groups_by_area():
    cfg = load_config()
    assert "Interim monitoring" not in set(configured_rules(cfg, monitoring=False)["area"])
    table = rules_table(cfg)
    assert list(table.display.columns) == ["Rule", "Set in", "Setting"]
    areas = table.display[table.display["Set in"] == ""]["Rule"].tolist()
    assert areas[:3] == ["Study", "Data checks", "Data cutoff"] and areas[-1] == "Report"
    assert len(table.display) == len(table.data) + len(areas)
    settings = table.display["Setting"].tolist()
    assert "monitoring.simon: p0, p1, alpha, beta" in settings
    assert "safety.teae_window_days" in settings
