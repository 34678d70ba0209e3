"""The holdout statistics agree with statsmodels on the same counts, small and zero counts included."""

from __future__ import annotations

import json
import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import (  # type: ignore[import-untyped]
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from storeloom.domain.stats import (
    holdout_comparison,
    newcombe_diff_interval,
    pooled_ztest_p_value,
    wilson_interval,
)

# holdout_comparison rounds to 6 decimals; the unrounded functions agree to float precision.
ROUNDED = 5.1e-7
EXACT = 1e-12

COUNTS = [
    (0, 10, 0, 10),
    (10, 10, 0, 10),
    (0, 10, 10, 10),
    (10, 10, 10, 10),
    (1, 3, 0, 2),
    (0, 1, 1, 1),
    (1, 1, 0, 1),
    (1, 2, 1, 2),
    (3, 7, 1, 9),
    (5, 100, 2, 100),
    (120, 900, 8, 100),
    (31, 1000, 20, 1000),
    (4512, 90000, 410, 10000),
    (1, 100000, 0, 100000),
]


def _statsmodels(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in the pooled variance gives NaN
        low, high = confint_proportions_2indep(x1, n1, x2, n2, compare="diff", method="newcomb")
        _, p_value = proportions_ztest([x1, x2], [n1, n2])
    return float(low), float(high), float(p_value)


@pytest.mark.parametrize(("successes", "trials"), [(0, 1), (1, 1), (0, 10), (10, 10), (3, 7), (1, 100000)])
def test_wilson_interval_matches_statsmodels(successes: int, trials: int) -> None:
    low, high = wilson_interval(successes, trials)
    expected_low, expected_high = proportion_confint(successes, trials, method="wilson")
    assert low == pytest.approx(expected_low, abs=EXACT)
    assert high == pytest.approx(expected_high, abs=EXACT)
    assert 0.0 <= low <= successes / trials <= high <= 1.0


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), COUNTS)
def test_newcombe_interval_and_p_value_match_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    low, high, p_value = _statsmodels(x1, n1, x2, n2)

    assert newcombe_diff_interval(x1, n1, x2, n2) == pytest.approx((low, high), abs=EXACT)
    ours = pooled_ztest_p_value(x1, n1, x2, n2)
    if math.isnan(p_value):
        assert ours is None
    else:
        assert ours == pytest.approx(p_value, abs=EXACT)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), COUNTS)
def test_holdout_comparison_is_the_contract_object(x1: int, n1: int, x2: int, n2: int) -> None:
    low, high, p_value = _statsmodels(x1, n1, x2, n2)

    result = holdout_comparison(n1, x1, n2, x2)

    assert result["treated"] == {"runs": n1, "conversions": x1}
    assert result["control"] == {"runs": n2, "conversions": x2}
    assert result["lift"] == pytest.approx(x1 / n1 - x2 / n2, abs=ROUNDED)
    assert result["ci95"] == pytest.approx([low, high], abs=ROUNDED)
    assert result["p_value"] == (None if math.isnan(p_value) else pytest.approx(p_value, abs=ROUNDED))
    assert result["ci95"][0] <= result["lift"] <= result["ci95"][1]
    json.dumps(result, allow_nan=False)


def test_known_values() -> None:
    # 10/10 against 0/10 is as clear as ten runs allow; 1/3 against 0/2 is not evidence at all.
    clear = holdout_comparison(10, 10, 10, 0)
    assert clear["lift"] == 1.0
    assert clear["ci95"] == [0.607509, 1.0]  # 1 - (1 - 0.722467) * sqrt(2), the Wilson bounds at 10/10 and 0/10
    assert clear["p_value"] == 8e-6  # z = 1 / sqrt(0.25 * 0.2) = 4.47
    weak = holdout_comparison(3, 1, 2, 0)
    assert weak["lift"] == pytest.approx(0.333333)
    assert weak["ci95"][0] < 0 < weak["ci95"][1]
    assert weak["p_value"] > 0.3


def test_no_one_converted_in_either_arm_has_an_interval_but_no_p_value() -> None:
    result = holdout_comparison(10, 0, 10, 0)

    assert result["lift"] == 0.0
    assert result["ci95"][0] < 0 < result["ci95"][1]
    assert result["p_value"] is None
    assert "-0.0" not in json.dumps(result)


@pytest.mark.parametrize(("treated", "control"), [((0, 0), (10, 3)), ((10, 3), (0, 0)), ((0, 0), (0, 0))])
def test_an_arm_without_runs_leaves_lift_interval_and_p_value_null(
    treated: tuple[int, int], control: tuple[int, int]
) -> None:
    result = holdout_comparison(treated[0], treated[1], control[0], control[1])

    assert result == {
        "treated": {"runs": treated[0], "conversions": treated[1]},
        "control": {"runs": control[0], "conversions": control[1]},
        "lift": None,
        "ci95": None,
        "p_value": None,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, 11, 10, 0), "treated successes \\(11\\) exceed its trials \\(10\\)"),
        ((10, 1, -1, 0), "control trials must not be negative"),
        ((10, 1.5, 10, 0), "treated successes must be a whole number"),
        ((True, 0, 10, 0), "treated trials must be a whole number"),
    ],
)
def test_bad_counts_are_refused_by_name(args: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        holdout_comparison(*args)


def test_wilson_of_no_trials_is_refused() -> None:
    with pytest.raises(ValueError, match="trials must be positive"):
        wilson_interval(0, 0)


@st.composite
def _arms(draw: st.DrawFn) -> tuple[int, int, int, int]:
    n1 = draw(st.integers(min_value=1, max_value=200_000))
    n2 = draw(st.integers(min_value=1, max_value=200_000))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


@settings(max_examples=300, deadline=None)
@given(_arms())
def test_random_counts_match_statsmodels(arms: tuple[int, int, int, int]) -> None:
    x1, n1, x2, n2 = arms
    low, high, p_value = _statsmodels(x1, n1, x2, n2)

    result = holdout_comparison(n1, x1, n2, x2)

    assert result["ci95"] == pytest.approx([low, high], abs=ROUNDED)
    if math.isnan(p_value):
        assert result["p_value"] is None
    else:
        assert result["p_value"] == pytest.approx(p_value, abs=ROUNDED)
    assert -1.0 <= result["ci95"][0] <= result["lift"] <= result["ci95"][1] <= 1.0
