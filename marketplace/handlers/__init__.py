"""Application layer: one handler per use case, shared by the HTTP API and the CLI."""
