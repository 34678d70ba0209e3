"""In-memory fakes of the ports and the fake-platform harness, for tests and the bench."""
