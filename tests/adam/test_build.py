"""The ADaM cache folder (tasks.cache): complete or not read; killed runs' partial folders
cleaned."""
from __future__ import annotations

import pandas as pd

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
