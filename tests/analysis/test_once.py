"""tasks.analysis.once: a frame derived from ADaM is made once per input and each caller gets its
own copy; another frame, even an equal one, is a new input, and a result goes with its inputs."""
from __future__ import annotations

import gc

import pandas as pd

from tasks.analysis.once import once_per_input
from tasks.config import load_config


def _counted():
    calls: list[int] = []

    @once_per_input
    def high_grades(adae: pd.DataFrame, cfg, grade: int) -> pd.DataFrame:
        calls.append(grade)
        return adae[adae["AETOXGRN"] >= grade]
    return high_grades, calls


def test_made_once_per_input_and_each_caller_gets_a_copy():
    high_grades, calls = _counted()
    cfg = load_config()
    adae = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-3"], "AETOXGRN": [1, 3, 4]})
    first = high_grades(adae, cfg, 3)
    first.loc[first.index[0], "AETOXGRN"] = 99        # one caller's change stays its own
    again = high_grades(adae, cfg, 3)
    assert calls == [3]
    assert again["AETOXGRN"].tolist() == [3, 4]
    assert high_grades(adae, cfg, 4)["USUBJID"].tolist() == ["S-3"]
    assert high_grades(adae.copy(), cfg, 3)["USUBJID"].tolist() == ["S-2", "S-3"]
    assert calls == [3, 4, 3]                          # an equal frame is another input


def test_a_result_is_let_go_with_its_input_frame():
    high_grades, calls = _counted()
    cfg = load_config()
    made = next(cell.cell_contents for cell in high_grades.__closure__   # the wrapper's cache
                if isinstance(cell.cell_contents, dict))
    adae = pd.DataFrame({"USUBJID": ["S-1"], "AETOXGRN": [3]})
    high_grades(adae, cfg, 3)
    assert len(made) == 1
    del adae
    gc.collect()
    assert made == {}
