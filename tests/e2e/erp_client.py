"""An ERP's side of the command topics, written with plain aiokafka (not the project's code):
it sends CloudEvents commands and reads replies and dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class Received:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.value)
        return parsed


@dataclass
class Erp:
    bootstrap: str
    prefix: str
    # Seconds a reply, a dead letter or the topics may take to come (60 when a running intake
    # answers; longer when it has yet to start or to take over a killed one's partitions).
    timeout: float = 60
    received: list[Received] = field(default_factory=list)
    _producer: AIOKafkaProducer | None = None
    _consumer: AIOKafkaConsumer | None = None

    @property
    def commands(self) -> str:
        return f"{self.prefix}marketplace.commands"

    @property
    def replies(self) -> str:
        return f"{self.prefix}marketplace.command-replies"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}marketplace.commands.dlq"

    async def __aenter__(self) -> Erp:
        await wait_for_topics(
            self.bootstrap, [self.commands, self.replies, self.dlq], timeout=self.timeout
        )
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            self.replies,
            self.dlq,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._producer is not None and self._consumer is not None
        await self._producer.stop()
        await self._consumer.stop()

    async def send(
        self,
        name: str,
        data: Any,
        token: str | None,
        *,
        key: str,
        command_id: str | None = None,
    ) -> str:
        """Send command `name` (a new id unless given); returns its id."""
        command_id = command_id or f"erp-{uuid.uuid4().hex}"
        envelope = {
            "specversion": "1.0",
            "id": command_id,
            "source": "erp://coal-01/sap",
            "type": f"marketplace.command.{name}.v1",
            "datacontenttype": "application/json",
            "data": data,
        }
        await self.send_raw(json.dumps(envelope).encode(), token, key=key)
        return command_id

    async def send_raw(self, value: bytes, token: str | None, *, key: str) -> None:
        assert self._producer is not None
        headers = [("content-type", b"application/cloudevents+json")]
        if token is not None:
            headers.append(("authorization", f"Bearer {token}".encode()))
        await self._producer.send_and_wait(self.commands, value, key=key.encode(), headers=headers)

    async def replies_to(self, command_id: str, count: int = 1) -> list[Received]:
        """The replies to `command_id` (waiting for `count` of them)."""

        def found() -> list[Received]:
            return [
                r
                for r in self.received
                if r.topic == self.replies and r.event["data"]["command_id"] == command_id
            ]

        await self._read_until(lambda: len(found()) >= count)
        return found()

    async def reply_to(self, command_id: str) -> dict[str, Any]:
        """The reply's `data` ({command_id, status, body})."""
        data: dict[str, Any] = (await self.replies_to(command_id))[0].event["data"]
        return data

    async def dead_letter(self, value: bytes) -> Received:
        def found() -> list[Received]:
            return [r for r in self.received if r.topic == self.dlq and r.value == value]

        await self._read_until(lambda: bool(found()))
        return found()[0]

    async def dead_letter_of(self, command_id: str) -> Received:
        def found() -> list[Received]:
            return [r for r in self.received if r.topic == self.dlq and _id_of(r) == command_id]

        await self._read_until(lambda: bool(found()))
        return found()[0]

    async def _read_until(self, done: Any) -> None:
        assert self._consumer is not None
        timeout = self.timeout
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"nothing came within {timeout} s"
            batch = await self._consumer.getmany(timeout_ms=200)
            for tp, messages in batch.items():
                self.received += [
                    Received(tp.topic, m.key, m.value, dict(m.headers))
                    for m in messages
                    if m.value is not None
                ]


def _id_of(received: Received) -> Any:
    try:
        event = json.loads(received.value)
    except ValueError:
        return None
    return event.get("id") if isinstance(event, dict) else None


async def wait_for_topics(bootstrap: str, topics: list[str], timeout: float = 60) -> None:
    """Until the broker has `topics` (the intake creates them when it starts)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        while not set(topics) <= set(await admin.list_topics()):
            assert time.monotonic() < deadline, f"no topics {topics} after {timeout} s"
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


class ReplyHold:
    """A TCP forwarder to a broker (which advertises its port) that can hold back, unanswered,
    every Produce request naming a topic: a broker that never acknowledges the replies."""

    def __init__(self, listen_port: int, target_port: int, topic: str) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self.marker = topic.encode()
        self.holding = False
        self.held = threading.Event()  # a Produce request was held back
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(10)

    def hold(self) -> None:
        self.held.clear()
        self.holding = True

    def release(self) -> None:
        """Stop holding; the connections that were held are dropped."""
        self.holding = False
        asyncio.run_coroutine_threadsafe(self._drop(), self._loop).result(10)

    def shutdown(self) -> None:
        self.release()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port)

    async def _drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers.update({writer, up_writer})

        async def requests() -> None:
            with contextlib.suppress(Exception):
                while True:
                    size = await reader.readexactly(4)
                    frame = await reader.readexactly(int.from_bytes(size, "big"))
                    api_key = int.from_bytes(frame[:2], "big")
                    if self.holding and api_key == 0 and self.marker in frame:
                        self.held.set()
                        await asyncio.Event().wait()  # never forwarded, never answered
                    up_writer.write(size + frame)
                    await up_writer.drain()
            up_writer.transport.abort()

        async def responses() -> None:
            with contextlib.suppress(Exception):
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(requests(), responses())
