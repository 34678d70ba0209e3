"""Numbers as a merchant reads them: counts with separators, rates as percentages, lift in points, money
with its currency. Shared by the table and the HTML report so both say the same thing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from storeloom_tools.report.model import Holdout

# Symbols only where they are unambiguous for a shop's own currency; any other code follows the amount.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$"}
_NO_MINOR_UNITS = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "HUF", "PYG", "UGX", "XAF", "XOF", "XPF"})


def count(value: int) -> str:
    return f"{value:,}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def points(difference: float) -> str:
    """A difference of two rates in percentage points, always signed: ``+3.1``."""
    shown = round(difference * 100, 1) + 0.0
    return f"{shown:+.1f}"


def p_value(value: float | None) -> str:
    if value is None:
        return "p = n/a"
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.2f}" if value >= 0.01 else f"p = {value:.3f}"


def money(amount: Decimal, currency: str) -> str:
    places = Decimal(1) if currency in _NO_MINOR_UNITS else Decimal("0.01")
    rounded = amount.quantize(places, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    digits = f"{abs(rounded):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def reason(code: str) -> str:
    """``frequency_cap`` reads as ``Frequency cap``."""
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def version(name: str) -> str:
    return f"v{int(name)}" if name.isdigit() else name


def holdout_line(holdout: Holdout) -> str:
    """``lift +3.1 pts (95% CI -1.2 to +7.4), p = 0.16``, or why there is no comparison."""
    if holdout.lift is None or holdout.ci95 is None:
        return "lift n/a (an arm has no runs yet)"
    low, high = holdout.ci95
    return f"lift {points(holdout.lift)} pts (95% CI {points(low)} to {points(high)}), {p_value(holdout.p_value)}"
