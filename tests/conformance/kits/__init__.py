"""One module per platform, each exporting ``KIT`` (tests/conformance/kit.py); the suite finds them here.

Helpers the kits share live in this file, so that every module of the package is a kit.
"""

from __future__ import annotations

from storeloom.domain.types import parse_utc
from storeloom_tools.fakes.catalog import FakeStoreData


def tie_up(data: FakeStoreData, entity: str, field: str, tie: int) -> None:
    """Give every ``tie`` rows, in modified order, the modified second of the first of them: runs of equal
    times that a small page size cuts through."""
    rows = sorted(data.all(entity), key=lambda row: (parse_utc(row[field]), str(row["id"])))
    for index, row in enumerate(rows):
        leader = rows[index - index % tie]
        data.put(entity, row, parse_utc(leader[field]))
