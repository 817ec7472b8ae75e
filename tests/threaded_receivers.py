"""The receivers of tests/notify_receivers.py for synchronous tests (FastAPI's TestClient):
each runs on an event loop of its own in a thread; its methods are called through it.

    with ThreadedWebhookReceiver() as hook:
        client.post(...)                 # the app's notifier posts to hook.url
        [request] = hook.wait_for(1)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from tests.notify_receivers import (
    WAIT,
    MailReceiver,
    ReceivedMail,
    ReceivedRequest,
    WebhookReceiver,
)

T = TypeVar("T")
R = TypeVar("R", WebhookReceiver, MailReceiver)


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = WAIT + 5) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def call(self, fn: Any, *args: Any) -> None:
        async def called() -> None:
            fn(*args)

        self.run(called())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class _Threaded(Generic[R]):
    """A receiver made, entered and left on a loop thread of its own."""

    def __init__(self, make: Callable[[], R]) -> None:
        self._thread = _LoopThread()
        self._make: Callable[[], R] = make
        self._receiver: R | None = None

    @property
    def receiver(self) -> R:
        assert self._receiver is not None, "enter the receiver first"
        return self._receiver

    @property
    def url(self) -> str:
        return self.receiver.url

    def __enter__(self) -> Self:
        self._thread.start()

        async def entered() -> R:
            receiver = self._make()
            await receiver.__aenter__()
            return receiver

        self._receiver = self._thread.run(entered())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._thread.run(self.receiver.__aexit__(None, None, None))
        finally:
            self._thread.stop()


class ThreadedWebhookReceiver(_Threaded[WebhookReceiver]):
    """A WebhookReceiver on its own loop: `url`, `requests`, `answer`, `wait_for`."""

    def __init__(self) -> None:
        super().__init__(WebhookReceiver)

    @property
    def requests(self) -> list[ReceivedRequest]:
        return list(self.receiver.requests)

    def answer(self, status: int) -> None:
        self._thread.call(self.receiver.answer, status)

    def wait_for(self, count: int, timeout: float = WAIT) -> list[ReceivedRequest]:
        return self._thread.run(self.receiver.wait_for(count, timeout), timeout + 5)


class ThreadedMailReceiver(_Threaded[MailReceiver]):
    """A MailReceiver (aiosmtpd runs in a thread of its own already): `url`, `messages`,
    `wait_for`."""

    def __init__(self) -> None:
        super().__init__(MailReceiver)

    @property
    def messages(self) -> list[ReceivedMail]:
        return list(self.receiver.messages)

    def wait_for(self, count: int, timeout: float = WAIT) -> list[ReceivedMail]:
        return self._thread.run(self.receiver.wait_for(count, timeout), timeout + 5)
