"""The holdout comparison's statistics, standard library only: Wilson score intervals, Newcombe's interval of a
difference of two proportions and the pooled two-proportion z-test, computed as statsmodels computes them
(``proportion_confint(method="wilson")``, ``confint_proportions_2indep(compare="diff", method="newcomb")`` and
``proportions_ztest``). Pure.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

DECIMALS = 6
_Z95 = NormalDist().inv_cdf(0.975)


def _check_counts(successes: int, trials: int, what: str) -> None:
    for name, value in ((f"{what} trials", trials), (f"{what} successes", successes)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
    if successes > trials:
        raise ValueError(f"{what} successes ({successes}) exceed its trials ({trials})")


def wilson_interval(successes: int, trials: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``successes / trials`` (95% by default).

    Raises ``ValueError`` for ``trials == 0`` (no proportion to bound) or counts that are not a proportion.
    """
    _check_counts(successes, trials, "wilson")
    if trials == 0:
        raise ValueError("wilson trials must be positive: a proportion of 0 trials has no interval")
    p = successes / trials
    z2 = z * z
    denom = 1 + z2 / trials
    center = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    # The interval always holds p and lies in [0, 1] (at 0 or all successes a bound is exactly p); floats
    # can miss that by an ulp, so clamp.
    return max(0.0, min(p, center - half)), min(1.0, max(p, center + half))


def newcombe_diff_interval(x1: int, n1: int, x2: int, n2: int, z: float = _Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``x1/n1 - x2/n2`` from the two Wilson intervals (95% by default)."""
    low1, upp1 = wilson_interval(x1, n1, z)
    low2, upp2 = wilson_interval(x2, n2, z)
    p1, p2 = x1 / n1, x2 / n2
    diff = p1 - p2
    return (
        diff - math.sqrt((p1 - low1) ** 2 + (upp2 - p2) ** 2),
        diff + math.sqrt((upp1 - p1) ** 2 + (p2 - low2) ** 2),
    )


def pooled_ztest_p_value(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled z-test that the proportions ``x1/n1`` and ``x2/n2`` are equal.

    Returns ``None`` when the test is undefined: an arm with 0 trials, or a pooled proportion of 0 or 1
    (no one or everyone converted in both arms), where the pooled variance is 0 and statsmodels gives NaN.
    """
    _check_counts(x1, n1, "first arm")
    _check_counts(x2, n2, "second arm")
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    # erfc keeps precision in the far tail, where 1 - cdf would round to 0.
    return math.erfc(abs(z) / math.sqrt(2))


def _rate(conversions: int, runs: int) -> float:
    return conversions / runs if runs else 0.0


def holdout_comparison(
    treated_runs: int, treated_conversions: int, control_runs: int, control_conversions: int
) -> dict[str, Any]:
    """The KPI report's ``holdout`` object (DESIGN.md, Measurement) for a flow that has a holdout.

    ``lift`` is the treated conversion rate minus the control's, ``ci95`` its 95% Newcombe interval and
    ``p_value`` the two-sided pooled z-test, all floats rounded to 6 decimals.

    When either arm has 0 runs there is nothing to compare: ``lift``, ``ci95`` and ``p_value`` are ``None``
    (null in JSON) while the arms' counts are still reported. When both arms have runs but the pooled rate is
    0 or 1, ``lift`` is 0 and ``ci95`` is defined, but ``p_value`` is ``None`` (see ``pooled_ztest_p_value``).

    Raises ``ValueError`` for negative counts or more conversions than runs in an arm.
    """
    _check_counts(treated_conversions, treated_runs, "treated")
    _check_counts(control_conversions, control_runs, "control")
    result: dict[str, Any] = {
        "treated": {"runs": treated_runs, "conversions": treated_conversions},
        "control": {"runs": control_runs, "conversions": control_conversions},
        "lift": None,
        "ci95": None,
        "p_value": None,
    }
    if treated_runs == 0 or control_runs == 0:
        return result
    lift = _rate(treated_conversions, treated_runs) - _rate(control_conversions, control_runs)
    low, high = newcombe_diff_interval(treated_conversions, treated_runs, control_conversions, control_runs)
    p_value = pooled_ztest_p_value(treated_conversions, treated_runs, control_conversions, control_runs)
    result["lift"] = _round(lift)
    result["ci95"] = [_round(low), _round(high)]
    result["p_value"] = None if p_value is None else _round(p_value)
    return result


def _round(value: float) -> float:
    # + 0.0 turns a rounded -0.0 into 0.0, so JSON never shows "-0.0".
    return round(value, DECIMALS) + 0.0
