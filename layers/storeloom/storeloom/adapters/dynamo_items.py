"""Plain values to DynamoDB attribute values and back, through boto3's own serializer and deserializer.

``str`` is ``S``, ``int`` and ``Decimal`` are ``N``, ``bool`` is ``BOOL``, ``dict`` is ``M``. A float is
refused (boto3 raises TypeError), so a number never goes through binary floating point. Numbers read back
as ``Decimal``: convert them where the model wants an int.

Importing this module imports boto3. The webhook receiver must not (see adapters/stores.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """An item, key or ``ExpressionAttributeValues`` map in DynamoDB's attribute-value form."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
