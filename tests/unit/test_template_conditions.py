"""The local provisioner evaluates template Conditions as CloudFormation does, from parameter values."""

from __future__ import annotations

import pytest

from storeloom_tools.local.template import Resolver

CONDITIONS = {
    "HasSender": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Sender"}, ""]}]},
    "Reserves": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Reserved"}, "0"]}]},
    "Both": {"Fn::And": [{"Condition": "HasSender"}, {"Condition": "Reserves"}]},
    "Either": {"Fn::Or": [{"Condition": "HasSender"}, {"Condition": "Reserves"}]},
    "InUsEast": {"Fn::Equals": ["us-east-1", {"Ref": "AWS::Region"}]},
    "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
}


def resolver(sender: str, reserved: str) -> Resolver:
    return Resolver({"AWS::Region": "us-east-1"}, {"Sender": sender, "Reserved": reserved}, CONDITIONS)


@pytest.mark.parametrize(
    ("sender", "reserved", "expected"),
    [
        ("", "0", {"HasSender": False, "Reserves": False, "Both": False, "Either": False}),
        ("a@b.co", "0", {"HasSender": True, "Reserves": False, "Both": False, "Either": True}),
        ("a@b.co", "100", {"HasSender": True, "Reserves": True, "Both": True, "Either": True}),
    ],
)
def test_conditions_follow_the_parameters(sender: str, reserved: str, expected: dict[str, bool]) -> None:
    values = resolver(sender, reserved)
    assert {name: values.condition(name) for name in expected} == expected
    assert values.condition("InUsEast") is True


def test_fn_if_picks_the_branch_of_its_condition() -> None:
    branch = {"Fn::If": ["Reserves", {"Ref": "Reserved"}, "none"]}
    assert resolver("", "100").resolve(branch) == "100"
    assert resolver("", "0").resolve(branch) == "none"


def test_an_undefined_or_circular_condition_is_an_error() -> None:
    with pytest.raises(KeyError, match="Missing"):
        resolver("", "0").condition("Missing")
    with pytest.raises(ValueError, match="refers to itself"):
        resolver("", "0").condition("Loop")
