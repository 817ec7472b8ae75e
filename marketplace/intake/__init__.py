"""Commands over Kafka: every write of the API taken from `marketplace.commands` and answered."""
