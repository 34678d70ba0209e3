"""Print the JSON Schema of the canonical model, for teams that validate against Storeloom."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from storeloom.domain.event import CommerceEvent

SCHEMA_ID = "https://storeloom.dev/schema/canonical-v1.schema.json"


def canonical_schema() -> dict[str, Any]:
    """The CommerceEvent envelope with every entity, as serialized (money and time as strings)."""
    schema = TypeAdapter(CommerceEvent).json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


if __name__ == "__main__":
    print(json.dumps(canonical_schema(), indent=2, sort_keys=True))
