"""What the workers record as they go: the relay's publishing, the notifier's attempts and
deliveries, the intake's commands. Each is made from a process's metrics by `bootstrap`."""

from __future__ import annotations

from typing import Protocol

from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.samplers import watch_event_store

PROBE = 1.5  # seconds the store's head may take at a scrape


class RelayState(Protocol):
    position: int


class HeadSource(Protocol):
    async def probe_head(self, seconds: float) -> int: ...


class RelayMetrics:
    """Messages and events published, and at each scrape the position and the lag (the event
    store's head minus the position published up to)."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        self.published = metrics.counter(
            "marketplace_relay_published_total", "Messages the broker acknowledged."
        )
        self.events = metrics.counter(
            "marketplace_relay_events_total",
            "Stored events relayed (internal ones too: the position moved past them).",
        )
        self.position = metrics.gauge(
            "marketplace_relay_position", "The event store position published up to."
        )
        self.lag = metrics.gauge(
            "marketplace_relay_lag_events",
            "Events stored but not yet published: the store's head minus the relay's position.",
        )
        self._metrics = metrics
        self._relay: RelayState | None = None
        self._store: HeadSource | None = None
        self._head = 0
        metrics.sample("relay", self._sample)

    def following(self, relay: RelayState, store: HeadSource) -> None:
        """The relay now running (a restarted one replaces the last) and its store."""
        self._relay, self._store = relay, store
        watch_event_store(self._metrics, self._probe)

    def acknowledged(self, messages: int, events: int) -> None:
        self.published.inc(messages)
        self.events.inc(events)

    async def _probe(self) -> int:
        assert self._store is not None
        self._head = await self._store.probe_head(PROBE)
        return self._head

    async def _sample(self) -> None:
        if self._relay is None or self._store is None:
            return
        head = await self._probe()
        position = self._relay.position
        self.position.set(position)
        self.lag.set(max(head - position, 0))


class NotifierMetrics:
    """Each attempt by channel and outcome, a webhook's latency, and the state each delivery
    is left in (delivered, pending for a retry, dead)."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        self.attempts = metrics.counter(
            "marketplace_notification_attempts_total",
            "Attempts at a delivery, by channel and outcome (delivered, retry, gone, failed).",
            ("channel", "outcome"),
        )
        self.deliveries = metrics.counter(
            "marketplace_notification_deliveries_total",
            "Deliveries by channel and the status an attempt left them in (delivered, pending, "
            "dead).",
            ("channel", "status"),
        )
        self.latency = metrics.histogram(
            "marketplace_webhook_attempt_duration_seconds",
            "Time a webhook post took (the receiver's answer, a refusal or the timeout).",
            ("outcome",),
        )

    def attempted(self, channel: str, outcome: str, status: str, seconds: float | None) -> None:
        self.attempts.labels(channel, outcome).inc()
        self.deliveries.labels(channel, status).inc()
        if seconds is not None and channel == "webhook":
            self.latency.labels(outcome).observe(seconds)


class IntakeMetrics:
    """Commands taken from Kafka by type and the status of their answer, and dead letters."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        self.commands = metrics.counter(
            "marketplace_intake_commands_total",
            "Commands answered, by command (`unknown`: not one) and HTTP status (`none`: the "
            "message named no command id, so no reply).",
            ("command", "status"),
        )
        self.dead_letters = metrics.counter(
            "marketplace_intake_dead_letters_total",
            "Commands copied to the dead-letter topic, by command.",
            ("command",),
        )
        self.latency = metrics.histogram(
            "marketplace_intake_command_duration_seconds",
            "Time from taking a command to publishing its reply.",
            ("command",),
        )

    def answered(
        self, command: str | None, status: int | None, dead_letter: bool, seconds: float
    ) -> None:
        name = command or "unknown"
        self.commands.labels(name, str(status) if status else "none").inc()
        if dead_letter:
            self.dead_letters.labels(name).inc()
        self.latency.labels(name).observe(seconds)
