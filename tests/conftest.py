"""Fixtures every suite may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.aws import AwsStack, provisioned_stack


@pytest.fixture
def aws_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    """template.yaml's resources in in-process moto, with the functions' environment set."""
    with provisioned_stack(monkeypatch) as stack:
        yield stack
