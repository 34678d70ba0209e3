"""Email through Amazon SES v2 (moto locally).

Every send carries the ``store_id`` message tag, which SES returns in the ``mail.tags`` of its bounce,
complaint and subscription notifications, so the feedback worker knows whose suppression list to write
(storeloom.domain.ses_feedback). The message's headers (List-Unsubscribe) go in the Simple content.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storeloom.domain.outbound import OutboundMessage
from storeloom.domain.ses_feedback import STORE_TAG, store_tag
from storeloom.services.flows.ports import ProviderError


class SesEmailChannel:
    name = "ses"

    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def deliver(self, message: OutboundMessage) -> str:
        simple: dict[str, Any] = {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": message.text, "Charset": "UTF-8"},
                "Html": {"Data": message.html, "Charset": "UTF-8"},
            },
        }
        if message.headers:
            simple["Headers"] = [{"Name": name, "Value": value} for name, value in message.headers.items()]
        request: dict[str, Any] = {
            "FromEmailAddress": message.sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Simple": simple},
            "EmailTags": [
                {"Name": "run", "Value": message.message_id},
                {"Name": "flow", "Value": message.flow_id},
                {"Name": STORE_TAG, "Value": store_tag(message.store_id)},
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_email(**request)
        except (ClientError, BotoCoreError) as error:
            raise ProviderError(f"ses: {type(error).__name__}") from error
        return str(response["MessageId"])
