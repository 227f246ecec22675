"""Bayesian predictive probability (Lee & Liu 2008) against hand-computed beta-binomial values."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.monitoring.predictive import posterior_summary, predictive_probability

# x = 1 response in m = 3, n_max = 5, prior Beta(1, 1): posterior Beta(2, 3), 2 subjects to come.
# Predictive P(Y = y) = C(2, y) B(2 + y, 5 - y) / B(2, 3), with B(2, 3) = 1! 2! / 4! = 1/12:
#   y=0: B(2, 5) = 1! 4! / 6! = 1/30      -> 12/30 = 0.4
#   y=1: 2 B(3, 4) = 2 * 2! 3! / 6! = 1/30 -> 0.4
#   y=2: B(4, 3) = 3! 2! / 6! = 1/60       -> 12/60 = 0.2
# Final posterior Beta(2 + y, 5 - y); for integer parameters P(p > p0) = P(Bin(6, p0) <= 1 + y):
P0 = 0.2
FINAL = {
    0: 0.8**6 + 6 * 0.2 * 0.8**5,                                            # 0.65536
    1: 0.8**6 + 6 * 0.2 * 0.8**5 + 15 * 0.2**2 * 0.8**4,                     # 0.90112
    2: 0.8**6 + 6 * 0.2 * 0.8**5 + 15 * 0.2**2 * 0.8**4 + 20 * 0.2**3 * 0.8**3,  # 0.98304
}


def test_predictive_table_matches_hand_computed_beta_binomial():
    result = predictive_probability(x=1, m=3, n_max=5, p0=P0, theta_t=0.9, prior_a=1, prior_b=1)
    assert result.table["y"].tolist() == [0, 1, 2]
    assert result.table["predictive_prob"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert result.table["posterior_prob"].tolist() == pytest.approx([FINAL[0], FINAL[1], FINAL[2]])
    assert FINAL[1] == pytest.approx(0.90112)
    assert result.table["success"].tolist() == [False, True, True]


@pytest.mark.parametrize("theta_t, expected_pp",
                         [(0.9, 0.4 + 0.2), (0.95, 0.2), (0.99, 0.0), (0.5, 1.0)])
def test_predictive_probability_sums_successful_outcomes(theta_t, expected_pp):
    result = predictive_probability(x=1, m=3, n_max=5, p0=P0, theta_t=theta_t, prior_a=1, prior_b=1)
    assert result.pp == pytest.approx(expected_pp)


def test_posterior_mean_and_credible_interval_of_beta_2_3():
    mean, low, high = posterior_summary(x=1, m=3, prior_a=1, prior_b=1)
    assert mean == pytest.approx(2 / 5)

    def cdf(q):  # Beta(2, 3): P(p <= q) = 1 - P(Bin(4, q) <= 1)
        return 1 - (1 - q) ** 4 - 4 * q * (1 - q) ** 3
    assert cdf(low) == pytest.approx(0.025)
    assert cdf(high) == pytest.approx(0.975)


def test_predictive_probability_at_the_planned_end_is_the_posterior_decision():
    # m = n_max: nothing to come; Beta(1 + 2, 1 + 3) -> P(p > 0.2) = P(Bin(6, 0.2) <= 2) = 0.90112
    assert predictive_probability(2, 5, 5, P0, 0.9, 1, 1).pp == 1.0
    assert predictive_probability(2, 5, 5, P0, 0.95, 1, 1).pp == 0.0


def test_predictive_probability_rejects_more_responses_than_subjects():
    with pytest.raises(ValueError, match="x <= m"):
        predictive_probability(4, 3, 10, P0, 0.9, 1, 1)


@settings(max_examples=40)
@given(m=st.integers(1, 30), extra=st.integers(0, 20), data=st.data())
def test_more_responses_never_lower_the_predictive_probability(m, extra, data):
    x = data.draw(st.integers(0, m - 1))
    lower = predictive_probability(x, m, m + extra, 0.2, 0.9, 1, 1)
    higher = predictive_probability(x + 1, m, m + extra, 0.2, 0.9, 1, 1)
    assert higher.pp >= lower.pp - 1e-12
    assert lower.table["predictive_prob"].sum() == pytest.approx(1.0)


def test_probabilities_are_printed_within_zero_and_one():
    # The demo's cut before issue 10: 7 responses in 25, n_max 29. The predictive probabilities
    # of the successful y sum to 1.0000000000000002 in floating point; clamped at the source.
    result = predictive_probability(7, 25, 29, 0.10, 0.95, 1.0, 1.0)
    assert result.table["success"].all()
    assert result.table["predictive_prob"].sum() > 1.0          # the round-off is real
    assert result.pp == 1.0
