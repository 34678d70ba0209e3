"""The local outbox: a channel that stores each message in the OutboxTable, for the demo to print."""

from __future__ import annotations

from typing import Any

from storeloom.adapters.dynamo_items import from_item, to_item
from storeloom.domain.model import format_utc
from storeloom.domain.outbound import OutboundMessage


class DynamoOutbox:
    name = "outbox"

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def deliver(self, message: OutboundMessage) -> str:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "store_id": message.store_id,
                    "sk": f"{format_utc(message.created_at)}#{message.message_id}",
                    "body": message.model_dump_json(),
                }
            ),
        )
        return message.message_id

    def list(self, store_id: str) -> list[OutboundMessage]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="store_id = :store",
            ExpressionAttributeValues=to_item({":store": store_id}),
        )
        return [
            OutboundMessage.model_validate_json(from_item(item)["body"])
            for page in pages
            for item in page.get("Items", [])
        ]
