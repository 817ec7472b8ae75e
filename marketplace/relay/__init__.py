"""The relay: publishes the event store's notification log to Kafka, at least once, in order."""
