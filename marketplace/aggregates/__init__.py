"""Pure domain: event-sourced aggregates, their rules and errors (no I/O, no clock)."""
