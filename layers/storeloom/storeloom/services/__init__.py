"""Use cases over ports: ingest, polling and the flows. They import the domain and their ports only."""
