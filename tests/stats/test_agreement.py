"""Cohen's kappa against values worked out by hand."""
import pandas as pd
import pytest

from tasks.stats.agreement import cohen_kappa


def test_kappa_of_a_hand_worked_two_by_two_table():
    # 20 subjects: both PR 7, both SD 8, PR/SD 2, SD/PR 3. p_o = 15/20 = 0.75;
    # marginals: first PR 9/20, SD 11/20; second PR 10/20, SD 10/20;
    # p_e = 0.45 * 0.5 + 0.55 * 0.5 = 0.5; kappa = (0.75 - 0.5) / 0.5 = 0.5.
    first = pd.Series(["PR"] * 7 + ["SD"] * 8 + ["PR"] * 2 + ["SD"] * 3)
    second = pd.Series(["PR"] * 7 + ["SD"] * 8 + ["SD"] * 2 + ["PR"] * 3)
    assert cohen_kappa(first, second) == pytest.approx(0.5)


def test_kappa_with_a_category_only_one_rater_used():
    # p_o = 2/4; first: CR 1/4, PD 3/4; second: PD 3/4, NE 1/4; p_e = 0.75 * 0.75 = 0.5625;
    # kappa = (0.5 - 0.5625) / 0.4375 = -1/7.
    first = pd.Series(["CR", "PD", "PD", "PD"])
    second = pd.Series(["PD", "PD", "PD", "NE"])
    assert cohen_kappa(first, second) == pytest.approx(-1 / 7)


def test_perfect_agreement_is_one_and_a_single_shared_category_undefined():
    assert cohen_kappa(pd.Series(["CR", "SD"]), pd.Series(["CR", "SD"])) == 1.0
    assert cohen_kappa(pd.Series(["SD", "SD"]), pd.Series(["SD", "SD"])) is None
    assert cohen_kappa(pd.Series([], dtype=str), pd.Series([], dtype=str)) is None
