"""The polling safety net: incremental, checkpointed, rate-limit-aware sync onto the ingest path."""
