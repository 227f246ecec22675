"""The command line of CONTRACT.md: help on each command, exit codes, design simon --json."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command",
                         [[], ["simulate"], ["validate"], ["run"], ["verify"], ["design", "simon"]])
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_design_simon_json_reproduces_simon_1989():
    result = runner.invoke(app, ["design", "simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0.05",
                                 "--beta", "0.2", "--json"])
    assert result.exit_code == 0, result.output
    designs = json.loads(result.stdout)
    assert set(designs) == {"optimal", "minimax"}
    keys = {"r1", "n1", "r", "n", "en0", "pet0", "alpha", "power"}
    assert set(designs["optimal"]) == keys and set(designs["minimax"]) == keys
    assert [designs["optimal"][k] for k in ("r1", "n1", "r", "n")] == [1, 10, 5, 29]
    assert [designs["minimax"][k] for k in ("r1", "n1", "r", "n")] == [1, 15, 5, 25]
    assert designs["optimal"]["en0"] == pytest.approx(15.0, abs=0.05)


@pytest.mark.parametrize("arguments", [
    ["run"],                                            # --cutoff missing
    ["run", "--cutoff", "2026-13-01"],                  # not a date
    ["simulate", "--out", "x", "--cutoff", "2026-10-31", "--scenario", "nope"],
    ["design", "simon", "--p0", "0.3", "--p1", "0.1"],  # p0 must be below p1
])
def test_usage_errors_exit_2(arguments):
    assert runner.invoke(app, arguments).exit_code == 2


def test_validate_a_clean_cut_exits_0_and_an_invalid_one_exits_1(tmp_path):
    for scenario in ("clean", "invalid"):
        out = tmp_path / scenario
        assert runner.invoke(app, ["simulate", "--out", str(out), "--cutoff", "2026-10-31",
                                   "--subjects", "12", "--scenario", scenario]).exit_code == 0
    clean = runner.invoke(app, ["validate", str(tmp_path / "clean" / "2026-10-31")])
    assert clean.exit_code == 0, clean.output
    assert "0 error(s)" in clean.stdout
    invalid = runner.invoke(app, ["validate", str(tmp_path / "invalid" / "2026-10-31")])
    assert invalid.exit_code == 1
    assert "ae.csv" in invalid.output and "AETOXGR" in invalid.output
    # writes nothing
    assert not any(p.name.startswith("v") for p in tmp_path.rglob("*") if p.is_dir())


def test_verify_of_a_folder_without_manifest_exits_1(tmp_path):
    assert runner.invoke(app, ["verify", str(tmp_path)]).exit_code == 1


def test_design_simon_prints_plain_lines_to_a_pipe():
    result = runner.invoke(app, ["design", "simon", "--p0", "0.1", "--p1", "0.3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Simon two-stage designs: p0=0.1, p1=0.3, alpha=0.05, beta=0.2",
        "design\tr1/n1\tr/n\tEN(p0)\tPET(p0)\talpha\tpower",
        "optimal\t1/10\t5/29\t15.01\t0.736\t0.0471\t0.8051",
        "minimax\t1/15\t5/25\t19.51\t0.549\t0.0328\t0.8017"]


def test_relative_paths_mean_the_working_folder_and_findings_print_one_per_line(tmp_path,
                                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    simulated = runner.invoke(app, ["simulate", "--out", "cuts", "--cutoff", "2026-10-31",
                                    "--subjects", "12", "--scenario", "invalid"])
    assert simulated.exit_code == 0, simulated.output
    assert simulated.stdout.strip() == str(tmp_path / "cuts" / "2026-10-31")
    result = runner.invoke(app, ["validate", "cuts/2026-10-31"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[1] == "Severity\tFile\tRow\tUSUBJID\tColumn\tRule\tValue\tMessage"
    ae = pd.read_csv(tmp_path / "cuts" / "2026-10-31" / "ae.csv", dtype=str, keep_default_na=False)
    bad = ae.index[ae["AETOXGR"].eq("7")][0]          # the invalid scenario's planted grade
    assert (f"error\tae.csv\t{bad + 1}\t{ae.at[bad, 'USUBJID']}\tAETOXGR\tAE.AETOXGR in 1-5\t7\t"
            "AETOXGR '7' is not one of 1, 2, 3, 4, 5") in lines
    assert lines[0] == "6 error(s), 2 warning(s)" and len(lines) == 2 + 8 + 1    # printed once
    assert all(line.count("\t") == 7 for line in lines[1:-1])
    assert lines[-1] == "error: cuts/2026-10-31: 13 domains, 6 error(s), 2 warning(s)"
