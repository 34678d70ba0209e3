"""One ingest path for webhooks, polls, backfills and replays: normalize, dedupe, upsert, publish."""
