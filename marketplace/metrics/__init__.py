"""Prometheus metrics: one registry per process, what its parts record, served at /metrics."""
