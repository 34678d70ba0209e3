"""The one settings model every function but the webhook receiver reads, validated once per cold start.

pydantic-settings would add about 75 ms to every cold start (measured with bench/), so the model reads a
mapping of environment variables through field aliases instead. Resource names a function does not use
may be absent: each builder in storeloom.bootstrap.services asks only for those it wires, through
``require``, so a missing one is named when it is needed. The receiver reads its slimmer
storeloom.bootstrap.receiver_settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class SettingsError(ValueError):
    """A setting a builder needs is missing; the message names the environment variable."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    # Resource names, from the template's Globals and each function's Environment.
    stores_table: str = Field(alias="STORES_TABLE", default="")
    entities_table: str = Field(alias="ENTITIES_TABLE", default="")
    ledger_table: str = Field(alias="LEDGER_TABLE", default="")
    checkpoints_table: str = Field(alias="CHECKPOINTS_TABLE", default="")
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", default="")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", default="")
    ingest_queue_url: str = Field(alias="INGEST_QUEUE_URL", default="")
    ingest_dlq_url: str = Field(alias="INGEST_DLQ_URL", default="")
    compliance_queue_url: str = Field(alias="COMPLIANCE_QUEUE_URL", default="")
    compliance_dlq_url: str = Field(alias="COMPLIANCE_DLQ_URL", default="")
    partner_events_dlq_url: str = Field(alias="PARTNER_EVENTS_DLQ_URL", default="")
    backfill_queue_url: str = Field(alias="BACKFILL_QUEUE_URL", default="")
    flow_config_table: str = Field(alias="FLOW_CONFIG_TABLE", default="")
    flow_runs_table: str = Field(alias="FLOW_RUNS_TABLE", default="")
    outbox_table: str = Field(alias="OUTBOX_TABLE", default="")
    suppression_table: str = Field(alias="SUPPRESSION_TABLE", default="")
    state_machine_arn: str = Field(alias="ABANDONED_CART_STATE_MACHINE_ARN", default="")
    post_purchase_state_machine_arn: str = Field(alias="POST_PURCHASE_STATE_MACHINE_ARN", default="")
    winback_state_machine_arn: str = Field(alias="WINBACK_STATE_MACHINE_ARN", default="")
    poller_function_arn: str = Field(alias="POLLER_FUNCTION_ARN", default="")
    scheduler_role_arn: str = Field(alias="SCHEDULER_ROLE_ARN", default="")
    poll_schedule_group: str = Field(alias="POLL_SCHEDULE_GROUP", default="")
    webhook_base_url: str = Field(alias="WEBHOOK_BASE_URL", default="")
    # Store secrets live under this prefix (the stack's own), which is all the functions may read.
    store_secret_prefix: str = Field(alias="STORE_SECRET_PREFIX", default="storeloom")
    # Ingest.
    dedupe_ttl_seconds: int = Field(alias="DEDUPE_TTL_SECONDS", default=7 * 24 * 3600, gt=0)
    # Receives after which the worker dead-letters a message itself, with its reason (below the redrive count).
    ingest_max_attempts: int = Field(alias="INGEST_MAX_ATTEMPTS", default=5, ge=1)
    compliance_max_attempts: int = Field(alias="COMPLIANCE_MAX_ATTEMPTS", default=3, ge=1)
    # Polling.
    overlap_minutes: int = Field(alias="POLL_OVERLAP_MINUTES", default=10, ge=0)
    first_lookback_hours: int = Field(alias="POLL_FIRST_LOOKBACK_HOURS", default=24, gt=0)
    deep_sweep_hours: int = Field(alias="DEEP_SWEEP_LOOKBACK_HOURS", default=48, gt=0)
    backfill_share: float = Field(alias="BACKFILL_RATE_SHARE", default=0.5, gt=0, le=1)
    reserve_ms: int = Field(alias="POLL_RESERVE_MS", default=15_000, ge=0)
    http_timeout_seconds: float = Field(alias="POLL_HTTP_TIMEOUT_SECONDS", default=20.0, gt=0)
    secret_cache_seconds: int = Field(alias="SECRET_CACHE_SECONDS", default=300, ge=0)
    # Flows.
    webhook_secret_arn: str = Field(alias="FLOW_WEBHOOK_SECRET_ARN", default="")
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET", default="")
    send_lease_seconds: int = Field(alias="SEND_LEASE_SECONDS", default=120, gt=0)
    # Re-check conversion and re-read products through the platform's live API before each step.
    live_recheck: bool = Field(alias="LIVE_RECHECK", default=True)
    live_timeout_seconds: float = Field(alias="LIVE_HTTP_TIMEOUT_SECONDS", default=2.0, gt=0)
    live_attempts: int = Field(alias="LIVE_HTTP_ATTEMPTS", default=2, ge=1)
    # Consent: the unsubscribe links' signing key and the HTTP API that serves them; SES feedback.
    unsubscribe_secret_arn: str = Field(alias="UNSUBSCRIBE_SECRET_ARN", default="")
    unsubscribe_base_url: str = Field(alias="UNSUBSCRIBE_BASE_URL", default="")
    ses_feedback_dlq_url: str = Field(alias="SES_FEEDBACK_DLQ_URL", default="")
    ses_feedback_max_attempts: int = Field(alias="SES_FEEDBACK_MAX_ATTEMPTS", default=3, ge=1)
    # People and lifecycle segments.
    people_table: str = Field(alias="PEOPLE_TABLE", default="")
    segment_dlq_url: str = Field(alias="SEGMENT_DLQ_URL", default="")
    segment_max_attempts: int = Field(alias="SEGMENT_MAX_ATTEMPTS", default=5, ge=1)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Settings:
        return cls.model_validate(dict(environment))

    def require(self, field: str) -> str:
        """The value of a resource-name field, or SettingsError naming its environment variable."""
        value = str(getattr(self, field))
        if not value:
            alias = type(self).model_fields[field].alias or field.upper()
            raise SettingsError(f"{alias} must be set")
        return value
