"""The ADaM cache folder (tasks.cache): complete or not read; killed runs' partial folders
cleaned; each dataset written as it is made, and the cut's domains let go once read for the last
time."""
from __future__ import annotations

import pandas as pd
import pytest

from tasks.adam.build import load_adam, save_adam
from tasks.cache import COMPLETE_MARKER
from tasks.model import ADAM_DATASETS as DATASETS
from tasks.model import Adam


def adam() -> Adam:
    return Adam(**{name: pd.DataFrame({"USUBJID": ["S-1"], "AVAL": [float(i)]})
                   for i, name in enumerate(DATASETS)})


def test_saved_adam_loads_back_equal(tmp_path):
    folder = tmp_path / "key"
    save_adam(adam().frames().items(), folder)
    assert (folder / COMPLETE_MARKER).is_file()
    loaded = load_adam(folder)
    for name in DATASETS:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(adam(), name))


def test_incomplete_or_missing_folder_is_not_read(tmp_path):
    assert load_adam(tmp_path / "missing") is None
    (tmp_path / "half").mkdir()
    adam().adsl.to_parquet(tmp_path / "half" / "adsl.parquet")
    assert load_adam(tmp_path / "half") is None


def test_partial_folder_of_a_dead_run_is_removed(tmp_path):
    dead = tmp_path / "key.partial-999999999"          # no such process
    dead.mkdir()
    save_adam(adam().frames().items(), tmp_path / "key")
    assert not dead.exists() and load_adam(tmp_path / "key") is not None


def test_only_the_variables_named_are_read_back(tmp_path):
    save_adam({name: pd.DataFrame({"USUBJID": ["S-1"], "AVAL": [1.0], "LBSEQ": ["1"]})
               for name in DATASETS}.items(), tmp_path / "key")
    read = load_adam(tmp_path / "key", {"adlb": ["USUBJID", "AVAL"]})
    assert list(read.adlb.columns) == ["USUBJID", "AVAL"]
    assert list(read.adae.columns) == ["USUBJID", "AVAL", "LBSEQ"]


def test_each_dataset_is_let_go_once_written_before_the_next_is_made(tmp_path):
    """save_adam of adam_datasets never holds two datasets: at 20,000 subjects they are
    gigabytes together."""
    import weakref

    written: list[weakref.ref] = []

    def datasets():
        for number, name in enumerate(DATASETS):
            assert [ref() for ref in written] == [None] * number, "a written dataset is held"
            frame = pd.DataFrame({"USUBJID": ["S-1"], "AVAL": [float(number)]})
            written.append(weakref.ref(frame))
            yield name, frame
            del frame
    save_adam(datasets(), tmp_path / "key")
    assert load_adam(tmp_path / "key").adlb["AVAL"].tolist() == [float(DATASETS.index("adlb"))]


def _cut(tmp_path):
    from datetime import date

    from tasks.config import load_settings
    from tasks.ingest.cutoff import apply_cutoff
    from tasks.ingest.read import read_cut
    from tasks.simulate import simulate_cut
    from tasks.simulate.write import write_cut

    settings = load_settings()
    cfg, cutoff = settings.analysis, date(2026, 10, 31)
    write_cut(simulate_cut(cfg, settings.simulation, cutoff, 6, 20261, "clean"), tmp_path,
              cutoff)
    read = read_cut(str(tmp_path / cutoff.isoformat()), cutoff, cfg, settings.operation.source,
                    require_ready=False)
    return apply_cutoff(read, cfg).cut, cfg


def test_the_derivation_lets_each_domain_go_after_its_last_dataset_but_those_kept(tmp_path):
    from tasks.adam.build import adam_datasets, build_adam
    from tasks.errors import InterimError

    cut, cfg = _cut(tmp_path)
    whole = build_adam(cut, cfg)
    assert {"dm", "ae", "lb", "cm"} <= set(cut.domains) and cut.released == set()
    seen: list[tuple[str, set[str]]] = []
    for name, frame in adam_datasets(cut, cfg, keep=("cm",)):
        seen.append((name, set(cut.domains)))
        pd.testing.assert_frame_equal(frame, getattr(whole, name))
    assert [name for name, _ in seen][-3:] == ["adexrec", "adae", "adlb"]
    assert len(seen) == len(DATASETS)
    assert {"dm", "ae", "lb", "ex"} <= seen[-3][1]      # all there until ADAE is made
    assert seen[-2][1] == {"ae", "suppae", "lb", "cm"}  # then what ADAE and ADLB read, and cm
    assert set(cut.domains) == {"cm"}                   # then only what is kept
    with pytest.raises(InterimError, match=r"^AE of the cut .* was let go"):
        cut.get("ae")
    with pytest.raises(InterimError, match=r"^LB of the cut"):
        cut.has("lb")
