"""Read template.yaml with its CloudFormation short tags, and resolve the intrinsics the stack uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{name: f"Fn::{name}" for name in ("GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not")},
    **{name: f"Fn::{name}" for name in ("And", "Or", "FindInMap", "Base64", "ImportValue", "GetAZs")},
}


class _TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that turns ``!Ref X`` into ``{"Ref": "X"}`` and so on, as CloudFormation does."""


def _constructor(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {long_name: value}

    return construct


for _tag, _long in _SHORT_TAGS.items():
    _TemplateLoader.add_constructor(f"!{_tag}", _constructor(_long))


def load_template(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_TemplateLoader)
    return loaded


_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class Resolver:
    """Resolves Ref, GetAtt, Sub, Join, Select and If against what has been provisioned so far, and
    evaluates the template's Conditions (Equals, Not, And, Or, Condition) from its parameters."""

    def __init__(
        self,
        pseudo: Mapping[str, str],
        parameters: Mapping[str, str],
        conditions: Mapping[str, Any] | None = None,
    ) -> None:
        self.refs: dict[str, str] = {**pseudo, **parameters}
        self.attributes: dict[tuple[str, str], str] = {}
        self._conditions = dict(conditions or {})
        self._evaluated: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    def condition(self, name: str) -> bool:
        """The value of the template condition ``name``."""
        if name in self._evaluated:
            return self._evaluated[name]
        if name not in self._conditions:
            raise KeyError(f"Condition {name!r} is not defined in Conditions")
        if name in self._evaluating:
            raise ValueError(f"Condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.truth(self._conditions[name])
        finally:
            self._evaluating.discard(name)
        self._evaluated[name] = value
        return value

    def truth(self, expression: Any) -> bool:
        """A condition function: Fn::Equals, Fn::Not, Fn::And, Fn::Or, or {"Condition": name}."""
        if isinstance(expression, dict) and len(expression) == 1:
            ((name, argument),) = expression.items()
            if name == "Condition":
                return self.condition(argument)
            if name == "Fn::Equals":
                left, right = (self.resolve(side) for side in argument)
                return _text(left) == _text(right)
            if name == "Fn::Not":
                (inner,) = argument
                return not self.truth(inner)
            if name == "Fn::And":
                return all(self.truth(inner) for inner in argument)
            if name == "Fn::Or":
                return any(self.truth(inner) for inner in argument)
        if isinstance(expression, bool):
            return expression
        raise ValueError(f"not a condition function: {expression!r}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            handler = _INTRINSICS.get(name)
            if handler is not None:
                return handler(self, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        if name not in self.refs:
            raise KeyError(f"Ref to {name!r}, which is not provisioned yet")
        return self.refs[name]

    def get_att(self, logical_id: str, attribute: str) -> str:
        key = (logical_id, attribute)
        if key not in self.attributes:
            raise KeyError(f"GetAtt {logical_id}.{attribute} is not available")
        return self.attributes[key]

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        resolved_variables = {name: str(self.resolve(value)) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in resolved_variables:
                return resolved_variables[name]
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)


def _text(value: Any) -> str:
    """How CloudFormation compares values in Fn::Equals: as strings (a Number parameter is a string)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


_INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::If": lambda r, a: r.resolve(a[1] if r.condition(a[0]) else a[2]),
    "Fn::GetAtt": lambda r, a: r.get_att(a[0], a[1]),
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": lambda r, a: str(a[0]).join(str(x) for x in r.resolve(a[1])),
    "Fn::Select": lambda r, a: r.resolve(a[1])[int(a[0])],
}


def dependencies(value: Any) -> set[str]:
    """Logical ids a resource's properties refer to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= dependencies(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {name.split(".")[0] for name in _SUB_VARIABLE.findall(text)}
                found |= dependencies(item if isinstance(item, str) else item[1])
            else:
                found |= dependencies(item)
    return found
