"""The HTTP API's routes, read from the template: which function serves a request on the loopback server.

Each ``HttpApi`` event of a provisioned function with a path other than ``$default`` is a route; a request
no route matches goes to the default function (the one with the URL, whose ``$default`` route catches the
rest, as the deployed API does). A matched request gets the route key and path parameters API Gateway adds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from storeloom_tools.local.provision import ProvisionedStack
from storeloom_tools.local.template import load_template

_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\+?\}")


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str
    pattern: re.Pattern[str]


class HttpRoutes:
    def __init__(self, routes: list[Route], default: str) -> None:
        self._routes = routes
        self._default = default

    @classmethod
    def of(cls, root: Path, stack: ProvisionedStack, default: str) -> HttpRoutes:
        resources = load_template(root / "template.yaml")["Resources"]
        routes = [
            Route(logical_id, str(event["Properties"].get("Method", "ANY")).upper(), path, _compile(path))
            for logical_id in stack.functions
            for event in resources[logical_id].get("Properties", {}).get("Events", {}).values()
            if event.get("Type") == "HttpApi" and (path := event["Properties"].get("Path", "$default")) != "$default"
        ]
        return cls(routes, default)

    def dispatch(self, event: dict[str, Any], invoke: Callable[[str, dict[str, Any]], Any]) -> Any:
        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
        for route in self._routes:
            match = route.pattern.match(path)
            if match and route.method in ("ANY", method):
                key = f"{route.method} {route.path}"
                parameters = {name: unquote(value) for name, value in match.groupdict().items()}
                routed = {**event, "routeKey": key, "pathParameters": parameters}
                routed["requestContext"] = {**event["requestContext"], "routeKey": key}
                return invoke(route.function, routed)
        return invoke(self._default, event)


def _compile(path: str) -> re.Pattern[str]:
    parts = _PARAMETER.split(path)
    # split alternates literal text and parameter names
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")
