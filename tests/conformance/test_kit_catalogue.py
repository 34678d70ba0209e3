"""The kits and the platform catalogue agree: every catalogued platform has a kit, named for it."""

from __future__ import annotations

import pytest

from storeloom.platforms.catalogue import DESCRIPTORS
from tests.conformance.conftest import kit_names
from tests.conformance.kit import PlatformKit


def test_every_catalogued_platform_has_a_kit() -> None:
    assert sorted(DESCRIPTORS) == kit_names()


def test_a_kit_is_named_for_its_platform_and_carries_its_descriptor(
    kit: PlatformKit, request: pytest.FixtureRequest
) -> None:
    assert request.node.callspec.params["kit"] == kit.platform  # kits/<platform>.py
    assert kit.descriptor is DESCRIPTORS[kit.descriptor.name]
    assert "orders" in kit.descriptor.polled_entities  # what this suite's walks poll
