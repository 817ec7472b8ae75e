"""Notifications of public events: routing, texts, and the webhook and e-mail senders."""
