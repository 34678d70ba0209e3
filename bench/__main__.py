"""Run every benchmark module (bench/bench_*.py) and print its figures: `make bench`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(selected: list[str]) -> None:
    modules = sorted(path.stem for path in Path(__file__).parent.glob("bench_*.py"))
    for name in modules:
        if selected and not any(word in name for word in selected):
            continue
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
