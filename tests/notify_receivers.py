"""Test-only receivers of notifications: a real webhook endpoint and a real SMTP server.

Both listen on a free 127.0.0.1 port, record what reaches them, and are async context managers:

    async with WebhookReceiver() as hook:          # hook.url, hook.requests
        hook.answer(500)                           # or hook.answer_next(500, 500), hook.hang()
        await hook.go_down(); await hook.come_up()  # a closed port, then the same URL again
    async with MailReceiver(starttls=True, credentials=("erp", "pw")) as mail:
        await send(mail.url, message, tls_context=mail.client_tls_context)
        (received,) = await mail.wait_for(1)
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.conftest import free_port

WAIT = 30.0  # how long wait_for waits before failing: only a failing test waits this long


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the endpoint saw it; header names lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int]  # the sender's address and port: one port, one connection


class WebhookReceiver:
    """An aiohttp endpoint at `url` answering each POST with a status that tests choose."""

    def __init__(self, port: int | None = None, path: str = "/hook") -> None:
        self.port = port or free_port()
        self.path = path
        self.requests: list[ReceivedRequest] = []
        self._status = 200
        self._next: deque[int] = deque()
        self._hang_for: float | None = None
        self._stall_body = False
        self._release = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def answer(self, status: int) -> None:
        """Answer every later request with `status` (200 at first)."""
        self._status = status
        self._hang_for = None
        self._stall_body = False

    def answer_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, one each, then as `answer` says."""
        self._next.extend(statuses)

    def hang(self, seconds: float = 3600.0) -> None:
        """Hold every later request this long (or until the receiver closes) before answering."""
        self._hang_for = seconds

    def stall_body(self, seconds: float = 3600.0) -> None:
        """Send every later answer's status and headers at once, then hold its body back."""
        self._hang_for = seconds
        self._stall_body = True

    async def go_down(self) -> None:
        """Close the port and every open connection: a sender meets a refused connection."""
        if self._runner is not None:
            self._release.set()
            await self._runner.cleanup()
            self._runner = None

    async def come_up(self) -> None:
        """Listen again on the same port (the same URL)."""
        if self._runner is not None:
            return
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", self.path, self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._runner = runner

    async def wait_for(self, count: int, timeout: float = WAIT) -> list[ReceivedRequest]:
        """The first `count` requests, once that many arrived; fails after `timeout` s."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return self.requests[:count]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        received = ReceivedRequest(
            method=request.method,
            path=request.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=await request.read(),
            peer=(peer[0], peer[1]) if peer else ("", 0),
        )
        async with self._arrived:
            self.requests.append(received)
            self._arrived.notify_all()
        status = self._next.popleft() if self._next else self._status
        if self._stall_body:
            response = web.StreamResponse(status=status)
            response.content_length = 1024
            await response.prepare(request)
            await response.write(b"{")
            await self._held()
            return response
        if self._hang_for is not None:
            await self._held()
        return web.Response(status=status)

    async def _held(self) -> None:
        try:
            async with asyncio.timeout(self._hang_for):
                await self._release.wait()
        except TimeoutError:
            pass

    async def __aenter__(self) -> Self:
        await self.come_up()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.go_down()


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server took it: its envelope, the parsed message, whether the
    session had switched to TLS, and who logged in (None: nobody)."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


class _Recorder:
    def __init__(self, receiver: MailReceiver) -> None:
        self._receiver = receiver

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self._receiver.refuse_with is not None:
            return self._receiver.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=default_policy).parsebytes(envelope.original_content)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data
        self._receiver._record(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                tls=session.ssl is not None,
                login=login.decode() if isinstance(login, bytes) else login,
            )
        )
        return "250 Message accepted for delivery"


class MailReceiver:
    """An aiosmtpd server recording every message; optionally offering STARTTLS (or speaking
    TLS from the start, `smtps`) with a self-signed certificate for 127.0.0.1, and asking for a
    login."""

    def __init__(
        self,
        *,
        starttls: bool = False,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.credentials = credentials
        self.messages: list[ReceivedMail] = []
        # An SMTP reply to every RCPT instead of accepting it, e.g. "550 5.1.1 No such user".
        self.refuse_with: str | None = None
        self.client_tls_context: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        user = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{user}127.0.0.1:{self.port}"

    async def wait_for(self, count: int, timeout: float = WAIT) -> list[ReceivedMail]:
        """The first `count` messages, once that many arrived; fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.messages) >= count:
                    return self.messages[:count]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            await asyncio.sleep(0.02)

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            self.credentials is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        ):
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)

    async def __aenter__(self) -> Self:
        options: dict[str, Any] = {}
        if self.starttls or self.implicit_tls:
            server_context, self.client_tls_context = _self_signed_contexts()
            options["ssl_context" if self.implicit_tls else "tls_context"] = server_context
        if self.credentials is not None:
            options["authenticator"] = self._authenticate
            options["auth_require_tls"] = self.starttls
        self._controller = Controller(
            _Recorder(self), hostname="127.0.0.1", port=self.port, **options
        )
        await asyncio.to_thread(self._controller.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._controller is not None:
            await asyncio.to_thread(self._controller.stop)
            self._controller = None


def _self_signed_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for 127.0.0.1 and localhost, and
    a client context that trusts exactly that certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads files only
        (Path(folder) / "cert.pem").write_bytes(certificate_pem)
        (Path(folder) / "key.pem").write_bytes(key_pem)
        server.load_cert_chain(Path(folder) / "cert.pem", Path(folder) / "key.pem")
    client = ssl.create_default_context(cadata=certificate_pem.decode())
    return server, client
