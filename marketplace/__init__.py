"""Internal-market platform of an energy group: event-sourced, Kafka-fed, auditable."""

__version__ = "0.1.0"
