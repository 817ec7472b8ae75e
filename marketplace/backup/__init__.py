"""Backup and restore of the embedded store: a consistent archive taken while it serves."""
