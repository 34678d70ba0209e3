"""Run the project's real Lambda handlers in this process, as Lambda would call them."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from storeloom.bootstrap.runtime import ColdStart, Runtime
from storeloom_tools.local.provision import FunctionSpec, ProvisionedStack


@dataclass
class LocalContext:
    """The parts of the Lambda context object the handlers and Powertools read."""

    function_name: str
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerInvoker:
    def __init__(self, root: Path, stack: ProvisionedStack, runtime: Runtime) -> None:
        self._root = root
        self._stack = stack
        self._runtime = runtime
        self._modules: dict[str, ModuleType] = {}
        self._services: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def invoke(self, logical_id: str, event: Any) -> Any:
        spec = self._stack.functions[logical_id]
        module_name, function_name = spec.handler.rsplit(".", 1)
        entry = getattr(self._module(spec, module_name), function_name)
        self.calls[logical_id] = self.calls.get(logical_id, 0) + 1
        context = LocalContext(function_name=spec.name)
        if not isinstance(entry, ColdStart):
            return entry(event, context)
        # The handler's own cold start, but from this stack's Runtime rather than the process environment.
        return entry.handle(event, context, self._service(logical_id, entry))

    def invoke_by_name(self, function_name: str, event: Any) -> Any:
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        spec = self._stack.function_by_name(name)
        if spec is None:
            raise LookupError(f"no function named {name!r} in the local stack")
        return self.invoke(spec.logical_id, event)

    def _service(self, logical_id: str, entry: ColdStart[Any]) -> Any:
        with self._lock:
            if logical_id not in self._services:
                self._services[logical_id] = entry.build(self._runtime)
            return self._services[logical_id]

    def _module(self, spec: FunctionSpec, module_name: str) -> ModuleType:
        with self._lock:
            if spec.logical_id not in self._modules:
                self._modules[spec.logical_id] = _load(self._root / spec.code_uri / f"{module_name}.py", spec)
            return self._modules[spec.logical_id]


def _load(path: Path, spec: FunctionSpec) -> ModuleType:
    # Each function directory has its own app.py, so each gets a unique module name here.
    name = f"storeloom_function_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module
