"""Audit: the hash chain over the event store, aggregate histories, replays as of a moment."""
