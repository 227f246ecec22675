"""Patient profiles made in a process of their own (tasks.analysis.profile_process): the same
profiles as patient_profiles in the flow's process, the same analysis, errors raised in the
caller, and a process whose answer is never read stopped."""
from __future__ import annotations

import signal
import sys
from datetime import date
from pathlib import Path

import pytest

import tasks.analysis.profile_process as profile_process
from tasks.adam.build import build_adam, save_adam
from tasks.analysis.assemble import analyse
from tasks.analysis.safety_profiles import patient_profiles
from tasks.config import load_settings
from tasks.errors import InterimError
from tasks.ingest.cutoff import apply_cutoff
from tasks.simulate import simulate_cut

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from cutkit import make_cut  # noqa: E402

CUTOFF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    """A simulated cut of 60 subjects at its cutoff, its ADaM and their cache folder."""
    settings = load_settings()
    cfg = settings.analysis
    cut = apply_cutoff(make_cut(simulate_cut(cfg, settings.simulation, CUTOFF, 60, 7, "clean"),
                                CUTOFF), cfg)
    adam = build_adam(cut.cut, cfg)
    folder = tmp_path_factory.mktemp("adam")
    save_adam(adam.frames().items(), folder)
    return cfg, cut, adam, folder


def _as_files(profiles) -> list[tuple[str, str, str, bool]]:
    return [(p.id, p.svg, p.data.to_csv(), p.in_pdf) for p in profiles.pages]


def test_the_process_makes_the_same_profiles_and_analysis(derived, monkeypatch):
    cfg, cut, adam, folder = derived
    here = patient_profiles(adam, cfg, CUTOFF)
    assert len(here.pages) >= 5
    monkeypatch.setattr(profile_process, "BESIDE_FROM", 1)
    with profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make:
        assert make is not patient_profiles
        beside = make(adam, cfg, CUTOFF)
    assert _as_files(beside) == _as_files(here)
    assert beside.index.equals(here.index)
    with profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make:
        made = analyse(adam, cut, [], cfg, None, None, make)
    plain = analyse(adam, cut, [], cfg, None, None)
    assert made.results == plain.results
    assert [s.title for s in made.closed] == [s.title for s in plain.closed]
    assert [[getattr(b, "id", None) for b in s.blocks] for s in made.closed] == \
        [[getattr(b, "id", None) for b in s.blocks] for s in plain.closed]


def test_few_profiles_are_made_in_the_callers_process(derived):
    cfg, _, adam, folder = derived
    with profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make:
        assert make is patient_profiles                 # 60 subjects: under BESIDE_FROM


def test_an_error_in_the_process_is_raised_in_the_caller(derived, monkeypatch, tmp_path):
    cfg, _, adam, _ = derived
    monkeypatch.setattr(profile_process, "BESIDE_FROM", 1)
    with profile_process.profiles_maker(tmp_path / "gone", adam, cfg, CUTOFF) as make, \
            pytest.raises(InterimError, match="gone was removed during the run"):
        make(adam, cfg, CUTOFF)


def test_a_process_killed_before_it_answers_is_an_error(derived, monkeypatch):
    cfg, _, adam, folder = derived
    monkeypatch.setattr(profile_process, "BESIDE_FROM", 1)
    with profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make, \
            pytest.raises(InterimError, match=r"process ended \(exit code -9\)"):
        make.process.kill()
        make(adam, cfg, CUTOFF)


def test_a_process_whose_answer_is_not_read_is_stopped(derived, monkeypatch):
    cfg, _, adam, folder = derived
    monkeypatch.setattr(profile_process, "BESIDE_FROM", 1)
    with pytest.raises(RuntimeError, match="analyse failed"), \
            profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make:
        process = make.process
        raise RuntimeError("analyse failed before the appendix")
    assert process.returncode == -signal.SIGKILL      # killed while still starting, not left


def test_a_process_whose_reader_is_gone_ends_quietly(derived, monkeypatch):
    """As when the flow's process is killed: the answer has nobody to go to."""
    cfg, _, adam, folder = derived
    monkeypatch.setattr(profile_process, "BESIDE_FROM", 1)
    with profile_process.profiles_maker(folder, adam, cfg, CUTOFF) as make:
        make.answers.close()
        assert make.process.wait(timeout=120) == 1
