"""Simon (1989) two-stage designs: the published table, exactness against brute force, speed."""
import itertools
import time

import pytest
from scipy.stats import binom

from tasks.config import SimonDesign
from tasks.errors import ConfigError
from tasks.monitoring.simon import DESIGN_KEYS, design_operating_characteristics, search_designs

# Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials 1989;10:1-10,
# Table 1: (p0, p1, alpha, beta) -> optimal (r1, n1, r, n, EN(p0), PET(p0)), minimax (same).
PUBLISHED = [
    ((0.05, 0.25, 0.05, 0.20), (0, 9, 2, 17, 12.0, 0.63), (0, 12, 2, 16, 13.8, 0.54)),
    ((0.05, 0.25, 0.05, 0.10), (0, 9, 3, 30, 16.8, 0.63), (0, 15, 3, 25, 20.4, 0.46)),
    ((0.10, 0.30, 0.05, 0.20), (1, 10, 5, 29, 15.0, 0.74), (1, 15, 5, 25, 19.5, 0.55)),
    ((0.10, 0.30, 0.05, 0.10), (2, 18, 6, 35, 22.5, 0.73), (2, 22, 6, 33, 26.2, 0.62)),
    ((0.10, 0.30, 0.10, 0.10), (1, 12, 5, 35, 19.8, 0.66), (1, 16, 4, 25, 20.4, 0.51)),
    ((0.20, 0.40, 0.05, 0.20), (3, 13, 12, 43, 20.6, 0.75), (4, 18, 10, 33, 22.3, 0.72)),
    ((0.20, 0.40, 0.05, 0.10), (4, 19, 15, 54, 30.4, 0.67), (5, 24, 13, 45, 31.2, 0.66)),
    ((0.20, 0.40, 0.10, 0.10), (3, 17, 10, 37, 26.0, 0.55), (3, 19, 10, 36, 28.3, 0.46)),
    ((0.30, 0.50, 0.05, 0.20), (5, 15, 18, 46, 23.6, 0.72), (6, 19, 16, 39, 25.7, 0.67)),
    ((0.30, 0.50, 0.05, 0.10), (8, 24, 24, 63, 34.7, 0.73), (7, 24, 21, 53, 36.6, 0.56)),
]


@pytest.mark.parametrize("params, optimal, minimax", PUBLISHED)
def test_simon_search_reproduces_published_table(params, optimal, minimax):
    designs = search_designs(*params, n_max=100)
    for kind, expected in (("optimal", optimal), ("minimax", minimax)):
        got = designs[kind]
        assert (got["r1"], got["n1"], got["r"], got["n"]) == expected[:4], kind
        assert round(got["en0"], 1) == expected[4]
        assert round(got["pet0"], 2) == expected[5]
        assert got["alpha"] <= params[2] and got["power"] >= 1 - params[3]


def test_simon_result_has_exactly_the_contract_keys():
    designs = search_designs(0.1, 0.3, 0.05, 0.2)
    assert set(designs) == {"optimal", "minimax"}
    assert all(tuple(d) == DESIGN_KEYS for d in designs.values())
    assert DESIGN_KEYS == ("r1", "n1", "r", "n", "en0", "pet0", "alpha", "power")


@pytest.mark.parametrize("params",
                         [(0.05, 0.25, 0.05, 0.2), (0.2, 0.4, 0.05, 0.1), (0.3, 0.5, 0.05, 0.1)])
def test_simon_search_runs_well_under_one_second_with_n_max_100(params):
    timings = []
    # the best of two: the first warms imports
    for _ in range(2):
        start = time.perf_counter()
        search_designs(*params, n_max=100)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.5


def test_operating_characteristics_of_a_tiny_design_by_hand():
    # r1=0, n1=2, r=1, n=3 at p=0.5: declare needs X1 >= 1 and X1 + X2 >= 2.
    # x1=1: b(1;2)=0.5, P(X2 >= 1; 1)=0.5 -> 0.25; x1=2: b(2;2)=0.25, P(X2 >= 0)=1 -> 0.25.
    declare, pet, en = design_operating_characteristics(SimonDesign(r1=0, n1=2, r=1, n=3), 0.5)
    assert declare == pytest.approx(0.5)
    assert pet == pytest.approx(0.25)                      # P(X1 = 0) = 0.5^2
    assert en == pytest.approx(2 + 0.75 * 1)


def _brute_force(p0, p1, alpha, beta, n_max):
    """Every (r1, n1, r, n) by plain loops over exact binomial probabilities."""
    def declare(r1, n1, r, n, p):
        return sum(binom.pmf(x1, n1, p) * binom.sf(r - x1, n - n1, p)
                   for x1 in range(r1 + 1, n1 + 1))
    feasible = []
    for n in range(2, n_max + 1):
        for n1, r1 in itertools.product(range(1, n), range(0, n)):
            if r1 >= n1:
                continue
            pet0 = binom.cdf(r1, n1, p0)
            en0 = n1 + (1 - pet0) * (n - n1)
            for r in range(r1, n):
                if declare(r1, n1, r, n, p1) < 1 - beta:
                    break                                   # power only falls as r grows
                if declare(r1, n1, r, n, p0) <= alpha:
                    feasible.append((en0, n, n1, r1, r))
    optimal = min(feasible, key=lambda d: d[0])
    smallest_n = min(d[1] for d in feasible)
    minimax = min((d for d in feasible if d[1] == smallest_n), key=lambda d: d[0])
    return optimal, minimax


def test_simon_search_matches_brute_force_enumeration():
    optimal, minimax = _brute_force(0.2, 0.6, 0.1, 0.2, n_max=14)
    designs = search_designs(0.2, 0.6, 0.1, 0.2, n_max=14)
    for kind, brute in (("optimal", optimal), ("minimax", minimax)):
        got = designs[kind]
        assert got["en0"] == pytest.approx(brute[0])
        assert (got["n"], got["n1"], got["r1"]) == brute[1:4]


def test_simon_search_without_a_design_below_n_max_says_so():
    with pytest.raises(ConfigError, match="n_max"):
        search_designs(0.1, 0.3, 0.05, 0.2, n_max=20)


def test_simon_search_rejects_p0_not_below_p1():
    with pytest.raises(ConfigError, match="p0 < p1"):
        search_designs(0.3, 0.3, 0.05, 0.2)
