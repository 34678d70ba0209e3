"""The SAM layer as `sam build` makes it: only the runtime package, and nothing it imports is missing.

`sam build` (BuildMethod python3.12) pip-installs layers/storeloom/requirements.txt into the layer's
python/ folder and copies the folder's source next to it. This builds the same tree without a network:
each requirement's distribution, with its runtime dependencies, is copied from this venv's installed
files. The Lambda runtime brings boto3 and botocore itself, so those come from the venv too, from a
separate folder placed after the layer on the path, as Lambda orders /opt/python before the runtime.

Run this module as a script to print the layer's size: `.venv/bin/python -m tests.integration.test_layer_content`.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LAYER_SOURCE = ROOT / "layers/storeloom"
FUNCTIONS = ROOT / "functions"
PACKAGE = "storeloom"

# What the Lambda python runtime already provides; the layer may rely on it without listing it.
RUNTIME_PROVIDED = ("boto3", "botocore")

# The source files sam build leaves out of a python artifact (aws-lambda-builders PythonPipWorkflow.EXCLUDED_FILES).
SAM_EXCLUDED = (
    ".aws-sam",
    ".chalice",
    ".git",
    ".gitignore",
    "*.pyc",
    "__pycache__",
    "*.so",
    ".Python",
    "*.egg-info",
    "*.egg",
    "pip-log.txt",
    "pip-delete-this-directory.txt",
    "htmlcov",
    ".tox",
    ".nox",
    ".coverage",
    ".cache",
    ".pytest_cache",
    ".python-version",
    ".mypy_cache",
    ".dmypy.json",
    ".pyre",
    ".env",
    ".venv",
    "venv",
    "venv.bak",
    "env.bak",
    "ENV",
    "env",
    ".vscode",
    ".idea",
)

# Development and tooling packages a Lambda must never import.
FORBIDDEN_IMPORTS = frozenset(
    {"moto", "pytest", "_pytest", "pytest_socket", "yaml", "hypothesis", "storeloom_tools", "tests"}
)
# Tooling that once lived in the runtime package and now belongs to storeloom_tools.
TOOLING_FOLDERS = ("cli", "local", "fakes", "demo")

# Lambda's limit on a function's unzipped code plus all its layers.
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024

# Runs in `python -I -S -B`: no PYTHON* variables, no site-packages, only the folders it is handed, and it
# writes no bytecode into the layer it measures.
PROBE = r"""
import importlib, importlib.util, json, sys, traceback

args = json.loads(sys.argv[1])
sys.path[:0] = args["path"]
roots = tuple(args["roots"])


def failure(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(roots)]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    return {"type": type(error).__name__, "message": str(error), "missing": missing, "where": where}


results = {}
for name in args["modules"]:
    try:
        importlib.import_module(name)
    except BaseException as error:
        results[name] = failure(error)
    else:
        results[name] = None
for folder in args["handlers"]:
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location("app", folder + "/app.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["app"] = module
        spec.loader.exec_module(module)
    except BaseException as error:
        results[folder] = failure(error)
    else:
        results[folder] = None
    finally:
        sys.modules.pop("app", None)
        sys.path.remove(folder)
print(json.dumps({"sys_path": sys.path, "results": results}))
"""


class LayerBuildError(RuntimeError):
    """The venv cannot stand in for pip: a requirement is missing or installed at another version."""


@dataclass(frozen=True)
class ImportFailure:
    type: str
    message: str
    missing: str | None
    where: str | None

    def __str__(self) -> str:
        return f"{self.type}: {self.message} (at {self.where})"


@dataclass(frozen=True)
class BuiltLayer:
    root: Path
    python: Path
    runtime: Path
    distributions: dict[str, list[Path]] = field(default_factory=dict)


@dataclass(frozen=True)
class LayerSize:
    package_bytes: int
    total_bytes: int
    by_distribution: dict[str, int]

    def __str__(self) -> str:
        lines = [f"layer: {self.total_bytes:,} bytes in all, {self.package_bytes:,} of them the storeloom package"]
        lines += [f"  {name}: {size:,}" for name, size in sorted(self.by_distribution.items(), key=lambda i: -i[1])]
        return "\n".join(lines)


def read_requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def _installed(requirement: Requirement) -> metadata.Distribution:
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError as error:
        raise LayerBuildError(f"{requirement} is not installed in {sys.prefix}: run `make install`") from error
    if not requirement.specifier.contains(dist.version, prereleases=True):
        raise LayerBuildError(f"{requirement} is wanted but {dist.version} is installed: run `make install`")
    return dist


def resolve(requirements: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Each requirement's installed distribution and its runtime dependencies (no extras unless asked)."""
    found: dict[str, metadata.Distribution] = {}
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found[name] = dist = _installed(requirement)
        extras = requirement.extras or {""}
        for text in dist.requires or []:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(child)
    return found


def install(dist: metadata.Distribution, target: Path) -> list[Path]:
    """What `pip install --target` puts in target for this distribution, without bytecode or scripts."""
    copied: list[Path] = []
    for file in dist.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts or file.suffix == ".pyc":
            continue
        source = Path(str(dist.locate_file(file)))
        if not source.is_file():
            continue
        destination = target / file
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        copied.append(destination)
    if not copied:
        raise LayerBuildError(f"{dist.metadata['Name']} has no installed file list (RECORD) to copy")
    return copied


def build_layer(root: Path) -> BuiltLayer:
    """root/python as sam build leaves the layer, and root/runtime with what the Lambda runtime adds."""
    python, runtime = root / "python", root / "runtime"
    layer = BuiltLayer(root, python, runtime)
    for name, dist in resolve(read_requirements(LAYER_SOURCE / "requirements.txt")).items():
        layer.distributions[name] = install(dist, python)
    shutil.copytree(LAYER_SOURCE, python, ignore=shutil.ignore_patterns(*SAM_EXCLUDED), dirs_exist_ok=True)
    runtime.mkdir()
    for dist in resolve([Requirement(name) for name in RUNTIME_PROVIDED]).values():
        install(dist, runtime)
    return layer


def _bytes(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in paths if path.is_file())


def layer_size(layer: BuiltLayer) -> LayerSize:
    """Bytes of the storeloom package and of the whole layer (unzipped, as Lambda counts its limit)."""
    everything = [path for path in layer.python.rglob("*") if path.is_file()]
    package = [path for path in (layer.python / PACKAGE).rglob("*") if path.is_file()]
    by_distribution = {name: _bytes(paths) for name, paths in layer.distributions.items()}
    by_distribution[PACKAGE] = _bytes(package)
    return LayerSize(_bytes(package), _bytes(everything), by_distribution)


def layer_modules(python: Path) -> list[str]:
    """Every module of the runtime package, found on disk.

    pkgutil.walk_packages stops descending into a package that fails to import, which would hide exactly
    the modules this test is looking for, so the walk reads the file tree instead.
    """
    names = []
    for path in sorted((python / PACKAGE).rglob("*.py")):
        parts = path.relative_to(python).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def handler_folders() -> list[Path]:
    return sorted(path.parent for path in FUNCTIONS.glob("*/app.py"))


def imported_top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def import_everything(layer: BuiltLayer) -> dict[str, ImportFailure | None]:
    """Import every runtime module and every handler in a fresh interpreter that sees only the layer."""
    handlers = [str(folder) for folder in handler_folders()]
    arguments = {
        "path": [str(layer.python), str(layer.runtime)],
        "roots": [str(layer.python / PACKAGE), *handlers],
        "modules": layer_modules(layer.python),
        "handlers": handlers,
    }
    environment = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, json.dumps(arguments)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=layer.root,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    outcome: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    leaks = [entry for entry in outcome["sys_path"] if "site-packages" in entry or entry in ("", ".")]
    assert leaks == [], "the probe must see the layer, the runtime's boto3 and the standard library only"
    failures: dict[str, dict[str, Any] | None] = outcome["results"]
    return {name: ImportFailure(**failure) if failure else None for name, failure in failures.items()}


def _label(name: str) -> str:
    return str(Path(name).relative_to(ROOT)) if name.startswith("/") else name


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> BuiltLayer:
    return build_layer(tmp_path_factory.mktemp("layer"))


@pytest.fixture(scope="module")
def imports(layer: BuiltLayer) -> dict[str, ImportFailure | None]:
    return import_everything(layer)


def test_the_layer_holds_the_runtime_package_and_no_tooling(layer: BuiltLayer) -> None:
    assert (layer.python / PACKAGE / "__init__.py").is_file()
    top_level = {path.name for path in layer.python.iterdir()}
    assert top_level.isdisjoint({"storeloom_tools", "tests", "tools"}), sorted(top_level)
    stray = [
        str(path.relative_to(layer.python))
        for path in layer.python.rglob("*")
        if path.name == "storeloom_tools"
        or (path.is_dir() and path.name == "tests" and PACKAGE in path.relative_to(layer.python).parts)
        or path.suffix == ".pyc"
        or path.name.endswith(".egg-info")
    ]
    tooling = [name for name in TOOLING_FOLDERS if (layer.python / PACKAGE / name).exists()]
    assert (stray, tooling) == ([], [])


def test_no_runtime_module_or_handler_imports_test_or_tooling_packages(layer: BuiltLayer) -> None:
    sources = [*(layer.python / PACKAGE).rglob("*.py"), *(folder / "app.py" for folder in handler_folders())]
    offenders = {
        _label(str(path)) if path.is_relative_to(ROOT) else str(path.relative_to(layer.python)): sorted(found)
        for path in sources
        if (found := imported_top_level_names(path) & FORBIDDEN_IMPORTS)
    }
    assert offenders == {}


def test_the_layer_provides_every_module_its_code_imports(imports: dict[str, ImportFailure | None]) -> None:
    missing = {
        _label(name): str(failure)
        for name, failure in imports.items()
        if failure and failure.type == "ModuleNotFoundError"
    }
    assert missing == {}, "imports that the layer's requirements.txt (or the Lambda runtime) does not provide"


def test_every_runtime_module_and_handler_imports_cleanly_in_the_layer(
    imports: dict[str, ImportFailure | None],
) -> None:
    assert {"storeloom", "storeloom.domain", "storeloom.bootstrap"} <= set(imports)
    assert len([name for name in imports if name.startswith(str(FUNCTIONS))]) == len(handler_folders())
    broken = {
        _label(name): str(failure)
        for name, failure in imports.items()
        if failure and failure.type != "ModuleNotFoundError"
    }
    assert broken == {}


def test_the_layer_fits_lambdas_unzipped_limit(
    layer: BuiltLayer, imports: object, record_property: Callable[[str, object], None]
) -> None:
    # `imports` first: measuring after the import probe checks that it left nothing behind.
    size = layer_size(layer)
    print(size)
    record_property("layer_package_bytes", size.package_bytes)
    record_property("layer_total_bytes", size.total_bytes)
    assert 0 < size.package_bytes < size.total_bytes < LAMBDA_UNZIPPED_LIMIT, str(size)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(layer_size(build_layer(Path(scratch))))
