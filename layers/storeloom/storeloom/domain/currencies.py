"""ISO 4217 alphabetic currency codes, the only currencies a canonical ``Money`` may carry.

Written out from the standard's current code list (list one, as maintained by SIX for ISO) rather than
read from a package: the standard library has no such list, and the runtime layer carries no data packages.

What is left out, and why:

- fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW): units of account for indexation and
  settlement, never the currency a shop prices in or a customer pays in;
- precious metals (XAU, XAG, XPT, XPD), the IMF's and other bodies' units of account (XDR, XSU, XUA,
  XAD), the European bond-market units (XBA, XBB, XBC, XBD), and XTS (testing) and XXX (no currency):
  none is money a storefront takes. A payload naming one is a mapping bug, which is what the check is for.

The CFA and CFP francs (XAF, XOF, XPF), the East Caribbean dollar (XCD) and the Caribbean guilder (XCG)
begin with X but are ordinary currencies, so they are in.
"""

from __future__ import annotations

# One line per initial letter, as the standard's table reads.
# fmt: off
ISO_4217_ACTIVE: frozenset[str] = frozenset(
    {
        "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN",
        "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
        "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK",
        "DJF", "DKK", "DOP", "DZD",
        "EGP", "ERN", "ETB", "EUR",
        "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
        "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IQD", "IRR", "ISK",
        "JMD", "JOD", "JPY",
        "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
        "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
        "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN",
        "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
        "OMR",
        "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
        "QAR",
        "RON", "RSD", "RUB", "RWF",
        "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
        "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
        "UAH", "UGX", "USD", "UYU", "UZS",
        "VED", "VES", "VND", "VUV",
        "WST",
        "XAF", "XCD", "XCG", "XOF", "XPF",
        "YER",
        "ZAR", "ZMW", "ZWG",
    }
)
# fmt: on
"""The 155 currencies of ISO 4217 list one, without the fund, metal and special codes named above."""

ISO_4217_RECENTLY_WITHDRAWN: frozenset[str] = frozenset(
    {
        "BGN",  # Bulgarian lev: Bulgaria adopted the euro on 2026-01-01
        "ANG",  # Netherlands Antillean guilder: replaced by XCG in 2025
        "ZWL",  # Zimbabwe dollar: replaced by ZWG in 2024
        "HRK",  # Croatian kuna: Croatia adopted the euro on 2023-01-01
        "SLL",  # old Sierra Leonean leone: replaced by SLE from 2022
        "CUC",  # Cuban convertible peso: withdrawn in 2021
    }
)
"""Codes withdrawn since 2021. Orders placed in them are still updated (refunds, fulfilments) and read by
polls and backfills, and refusing those versions would lose them, so ``Money`` accepts these too. Codes
withdrawn earlier (LTL, VEF, MRO, STD, BYR...) are refused."""

CURRENCY_CODES: frozenset[str] = ISO_4217_ACTIVE | ISO_4217_RECENTLY_WITHDRAWN
"""What ``storeloom.domain.types.parse_currency`` accepts."""
