"""`marketplace intake`: the faststream subscriber of `marketplace.commands`.

One consumer group (`<prefix>marketplace.intake`), partitions handled concurrently (one
consumer per worker, each partition in order), offsets committed by hand once the reply (and
the dead letter) is acknowledged by the broker: at least once, and one effect since the command
id is the request's `Idempotency-Key`. A poison message is answered, dead-lettered and
committed like any other; only an outage (the store, the broker) holds a partition back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.publisher.usecase import DefaultPublisher

from marketplace.adapters.kafka_topics import TopicSettings, ensure_topics
from marketplace.events.envelope import STRUCTURED_CONTENT_TYPE
from marketplace.intake.commands import Command, command_table, missing_commands
from marketplace.intake.dispatch import Answer, InProcessApi
from marketplace.intake.envelope import error_body, read_command, reply_to
from marketplace.intake.handling import Outcome, outcome
from marketplace.log import get_logger
from marketplace.metrics.pipeline import IntakeMetrics
from marketplace.supervise import keep_running

log = get_logger(__name__)
_FIRST_PAUSE, _LONGEST_PAUSE = 0.2, 5.0


@dataclass(frozen=True)
class IntakeTopics:
    commands: str
    replies: str
    dead_letters: str
    group: str

    @classmethod
    def with_prefix(cls, prefix: str) -> IntakeTopics:
        return cls(
            commands=f"{prefix}marketplace.commands",
            replies=f"{prefix}marketplace.command-replies",
            dead_letters=f"{prefix}marketplace.commands.dlq",
            group=f"{prefix}marketplace.intake",
        )


@dataclass(frozen=True)
class IntakeConfig:
    bootstrap: str
    topics: IntakeTopics
    topic_settings: TopicSettings
    concurrency: int  # consumers of the group in this process (partitions at once)


class IntakeProcess:
    """The intake over an API app; `own_lifespan` when this process runs the app's lifespan
    itself (`marketplace intake`), not when the app is served beside it (`serve --all-in-one`,
    where `app_ready` says when uvicorn has started it)."""

    def __init__(
        self,
        app: FastAPI,
        config: IntakeConfig,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[str], str],
        own_lifespan: bool,
        app_ready: Callable[[], bool] | None = None,
        metrics: IntakeMetrics | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.config = config
        self.clock = clock
        self.new_id = new_id
        self.own_lifespan = own_lifespan
        self.app_ready = app_ready

    async def run(self, stop: asyncio.Event) -> None:
        if not self.own_lifespan:
            while self.app_ready is not None and not self.app_ready() and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.1)
            await self._consume(stop)
            return
        # The app starts once; the consumer starts again after an outage of the broker.
        async with self.app.router.lifespan_context(self.app):
            await keep_running("intake_consumer", lambda: self._consume(stop), stop)

    async def _consume(self, stop: asyncio.Event) -> None:
        config = self.config
        topics = config.topics
        await ensure_topics(
            config.bootstrap,
            "marketplace-intake",
            [topics.commands, topics.replies, topics.dead_letters],
            config.topic_settings,
        )
        if stop.is_set():
            return
        commands = command_table(self.app)
        for method, path in missing_commands(self.app, commands):
            log.warning("write_without_command", method=method, path=path)
        api = InProcessApi(self.app)
        broker = KafkaBroker(
            config.bootstrap,
            logger=logging.getLogger("marketplace.intake.faststream"),
            log_level=logging.DEBUG,
        )
        handler = _Handler(
            commands,
            api,
            broker.publisher(topics.replies),
            broker.publisher(topics.dead_letters),
            stop,
            self.clock,
            self.new_id,
            self.metrics,
        )
        broker.subscriber(
            topics.commands,
            group_id=topics.group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            max_workers=config.concurrency,
            decoder=_raw,
            # A crashed intake's partitions go to the others after 6 s, not 10 (the
            # commands behind its last one wait that long).
            session_timeout_ms=6_000,
            heartbeat_interval_ms=1_500,
        )(handler.handle)
        try:
            await broker.start()
            log.info("intake_started", topic=topics.commands, group=topics.group)
            await stop.wait()
        finally:
            await broker.stop()
            await api.close()


async def _raw(message: Any) -> Any:
    """The message's bytes as they came: the handler parses them (a poison message too)."""
    return message.body


class _Handler:
    def __init__(
        self,
        commands: dict[str, Command],
        api: InProcessApi,
        replies: DefaultPublisher,
        dead_letters: DefaultPublisher,
        stop: asyncio.Event,
        clock: Callable[[], datetime],
        new_id: Callable[[str], str],
        metrics: IntakeMetrics | None = None,
    ) -> None:
        self.commands, self.api = commands, api
        self.metrics = metrics
        self.replies, self.dead_letters = replies, dead_letters
        self.stop, self.clock, self.new_id = stop, clock, new_id

    async def handle(self, body: bytes, msg: KafkaMessage) -> None:
        record = msg.raw_message
        assert not isinstance(record, tuple), "one message at a time"
        started = time.perf_counter()
        try:
            result = await self._outcome(record.value, _header(record.headers, "authorization"))
            if result is None:  # stopping: read again from here at the next start
                await msg.nack()
                return
            await self._publish(result, record.key, record.value, record.headers)
            await msg.ack()
            if self.metrics is not None:
                status = result.answer.status if result.answer else None
                seconds = time.perf_counter() - started
                self.metrics.answered(
                    result.command, status, result.dead_letter is not None, seconds
                )
        except Exception as exc:
            # The broker or the store failed us: this message again, after a pause.
            log.warning("command_not_handled", error=repr(exc), offset=record.offset)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 1.0)
            await msg.nack()

    async def _outcome(self, value: bytes | None, authorization: str | None) -> Outcome | None:
        """The outcome, tried again while the answer says "later" (None if told to stop)."""
        pause = _FIRST_PAUSE
        while True:
            try:
                result = await outcome(value, authorization, self.commands, self.api)
            except Exception as exc:  # a message nothing foresaw: answered, never retried
                log.exception("command_failed", error=repr(exc))
                return _failed(value, exc)
            if result.answer is None or not result.answer.retry_later:
                return result
            log.info("command_retried", command_id=result.command_id, code=result.answer.code)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), pause)
            if self.stop.is_set():
                return None
            pause = min(pause * 2, _LONGEST_PAUSE)

    async def _publish(
        self,
        result: Outcome,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None:
        if result.dead_letter is not None:
            kept = {
                name: raw.decode("latin-1")
                for name, raw in headers
                if name.lower() != "authorization"  # a live credential stays out of the dlq
            }
            await self.dead_letters.publish(
                value or b"", key=key, headers=kept | {"error": _one_line(result.dead_letter)}
            )
        if result.command_id is not None and result.answer is not None:
            reply = reply_to(
                result.command_id,
                result.answer.status,
                result.answer.body,
                reply_id=self.new_id("reply"),
                time=self.clock(),
            )
            await self.replies.publish(
                reply.to_bytes(),
                key=key if key is not None else result.command_id.encode(),
                headers={"content-type": STRUCTURED_CONTENT_TYPE},
                correlation_id=result.command_id,
            )
        log.info(
            "command",
            command_id=result.command_id,
            command=result.command,
            status=result.answer.status if result.answer else None,
            dead_letter=result.dead_letter,
        )


def _failed(value: bytes | None, exc: Exception) -> Outcome:
    """What a message that made the intake itself fail gets: HTTP's answer to the unexpected."""
    message = read_command(value)
    body = error_body("internal_error", "An unexpected error occurred.")
    answer = Answer(500, body) if message.id is not None else None
    return Outcome(message.id, answer, f"500 internal_error: {exc!r}")


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for given, value in headers:
        if given.lower() == name:
            return value.decode("latin-1")
    return None


def _one_line(reason: str) -> str:
    return " ".join(reason.split())[:500]
