"""The local outbox: a channel that stores each message in the OutboxTable, for the demo to print."""

from __future__ import annotations

from typing import Any

from storeloom.domain import format_utc
from storeloom.domain.outbound import OutboundMessage


class DynamoOutbox:
    name = "outbox"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def deliver(self, message: OutboundMessage) -> str:
        self._client.put_item(
            TableName=self._table,
            Item={
                "store_id": {"S": message.store_id},
                "sk": {"S": f"{format_utc(message.created_at)}#{message.message_id}"},
                "body": {"S": message.model_dump_json()},
            },
        )
        return message.message_id

    def list(self, store_id: str) -> list[OutboundMessage]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="store_id = :store",
            ExpressionAttributeValues={":store": {"S": store_id}},
        )
        return [
            OutboundMessage.model_validate_json(item["body"]["S"]) for page in pages for item in page.get("Items", [])
        ]
