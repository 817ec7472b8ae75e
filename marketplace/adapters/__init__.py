"""Adapters that connect the application layer to storage and transport."""
