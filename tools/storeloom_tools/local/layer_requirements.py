"""Print the SAM layer's requirements.txt from pyproject.toml, the one list of dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

HEADER = "# Generated from pyproject.toml by `make layer-requirements`; do not edit by hand.\n"


def layer_requirements(pyproject: Path) -> str:
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return HEADER + "".join(f"{requirement}\n" for requirement in dependencies)


if __name__ == "__main__":
    from storeloom_tools.local.stack import project_root

    print(layer_requirements(project_root() / "pyproject.toml"), end="")
