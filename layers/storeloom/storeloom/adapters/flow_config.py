"""Flow configs on DynamoDB: every change is a new immutable version; version 0 is the current head."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.flow_config import FlowConfig

_HEAD = 0


class StaleConfigWrite(Exception):
    """Another writer saved a version first; re-read and try again."""


class DynamoFlowConfigStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def current(self, store_id: str, flow_id: str) -> FlowConfig | None:
        return self.version(store_id, flow_id, _HEAD)

    def version(self, store_id: str, flow_id: str, version: int) -> FlowConfig | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_item({"pk": f"{store_id}#{flow_id}", "version": version}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return FlowConfig.model_validate_json(from_item(item)["body"]) if item else None

    def save(self, config: FlowConfig) -> FlowConfig:
        """Write version n+1 and move the head to it in one transaction, unless someone else did first."""
        head = self.current(config.store_id, config.flow_id)
        previous = head.version if head else 0
        saved = config.model_copy(update={"version": previous + 1})
        pk, body = f"{config.store_id}#{config.flow_id}", saved.model_dump_json()
        guard = (
            {
                "ConditionExpression": "body_version = :previous",
                "ExpressionAttributeValues": to_item({":previous": previous}),
            }
            if head
            else {"ConditionExpression": "attribute_not_exists(pk)"}
        )
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item({"pk": pk, "version": saved.version, "body": body}),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item({"pk": pk, "version": _HEAD, "body": body, "body_version": saved.version}),
                            **guard,
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise StaleConfigWrite(f"{config.flow_id}: changed concurrently, try again") from error
            raise
        return saved
