"""One adapter per commerce platform. Nothing after the ingest worker imports these modules."""
