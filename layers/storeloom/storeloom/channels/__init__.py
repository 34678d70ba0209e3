"""Delivery channels: a port, the SES v2 email adapter, a signed outbound webhook and a local outbox."""
