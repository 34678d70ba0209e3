"""SQS: enqueue ingest messages, move dead letters back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storeloom.services.ingest.ports import ReceivedMessage

_SEND_BATCH_LIMIT = 10


class SqsQueue:
    def __init__(self, queue_url: str, client: Any) -> None:
        self.url = queue_url
        self._client = client

    def send(self, body: str) -> str:
        message_id: str = self._client.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"]
        return message_id

    def send_with_attributes(self, body: str, attributes: dict[str, str]) -> str:
        """String message attributes; SQS refuses empty values, so those are left out."""
        kept = {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value}
        response = self._client.send_message(QueueUrl=self.url, MessageBody=body, MessageAttributes=kept)
        message_id: str = response["MessageId"]
        return message_id

    def send_many(self, bodies: Sequence[str]) -> int:
        """Send in batches of ten; raise if any entry failed, so a caller never advances past a loss."""
        for start in range(0, len(bodies), _SEND_BATCH_LIMIT):
            chunk = bodies[start : start + _SEND_BATCH_LIMIT]
            entries = [{"Id": str(index), "MessageBody": body} for index, body in enumerate(chunk)]
            response = self._client.send_message_batch(QueueUrl=self.url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} of {len(chunk)} messages")
        return len(bodies)

    def receive(self, max_messages: int = 10, wait_seconds: int = 0) -> list[ReceivedMessage]:
        response = self._client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            MessageAttributeNames=["All"],
        )
        return [
            ReceivedMessage(m["MessageId"], m["ReceiptHandle"], m["Body"], _string_attributes(m))
            for m in response.get("Messages", [])
        ]

    def delete(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)


def _string_attributes(message: dict[str, Any]) -> dict[str, str]:
    attributes = message.get("MessageAttributes") or {}
    return {name: str(value.get("StringValue", "")) for name, value in attributes.items()}
