"""E-mail notifications: one message for one event or a digest of several, sent over SMTP."""

from __future__ import annotations

import hashlib
import html
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from marketplace.events.envelope import CloudEvent

TIMEOUT = 30.0
_ERROR_LIMIT = 160
# The few words of a digest's frame; each notification's own title and body come rendered.
_DIGEST_SUBJECT = {
    "zh-CN": "{unit}：{count} 条新通知",  # noqa: RUF001 - Chinese punctuation
    "en": "{unit}: {count} new notifications",
}


class Text(Protocol):
    """A rendered notification (notifications.texts.Text has these)."""

    @property
    def title(self) -> str: ...

    @property
    def body(self) -> str: ...


Item = tuple[str, Text, CloudEvent]  # (event id, its rendered text, the event)


class MailNotSent(Exception):
    """The SMTP server did not take the message: `permanent` when it refused it (5xx), so that
    sending it again cannot help; the text is short and names no credentials."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpServer:
    """Where `MARKETPLACE_SMTP_URL` points: smtp:// (STARTTLS when offered) or smtps://."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool


def smtp_server(url: str) -> SmtpServer:
    """Read `smtp://[user:pass@]host[:port]` (port 25) or `smtps://…` (port 465)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("an SMTP URL is smtp://[user:pass@]host[:port] or smtps://…")
    implicit_tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if implicit_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit_tls,
    )


def message_id(event_ids: Sequence[str], domain: str) -> str:
    """`<event id@domain>`, or for a digest a digest of all its event ids: the same events
    mailed again carry the same Message-ID."""
    if not event_ids:
        raise ValueError("a message notifies of one event at least")
    if len(event_ids) == 1:
        return f"<{event_ids[0]}@{domain}>"
    joined = "\n".join(sorted(event_ids)).encode()
    return f"<digest.{hashlib.sha256(joined).hexdigest()[:40]}@{domain}>"


def build_digest(
    unit_name: str, items: Sequence[Item], language: str, sender: str, *, to: str
) -> EmailMessage:
    """The mail to `to` (a unit's subscribed address) of one or more rendered notifications:
    plain text with an HTML alternative; dated by the newest event, so it is the same mail
    however often it is built."""
    if not items:
        raise ValueError("a message notifies of one event at least")
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    if not at or not domain:
        raise ValueError(f"the sender {sender!r} has no domain")
    texts = [text for _, text, _ in items]
    message = EmailMessage()
    message["Subject"] = (
        texts[0].title if len(items) == 1 else _digest_subject(unit_name, len(items), language)
    )
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(max(event.time for _, _, event in items))
    message["Message-ID"] = message_id([event_id for event_id, _, _ in items], domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(_plain(texts))
    message.add_alternative(_html(texts, language), subtype="html")
    # A random boundary would make each build of the same mail differ.
    boundary = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32]
    message.set_boundary(f"=_{boundary}")
    return message


async def send(
    url: str,
    message: EmailMessage,
    *,
    tls_context: ssl.SSLContext | None = None,
    time_limit: float = TIMEOUT,
) -> None:
    """Hand `message` to the SMTP server at `url` (logging in when it names a user); raises
    MailNotSent when it is not taken."""
    server = smtp_server(url)
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            start_tls=None if not server.implicit_tls else False,
            tls_context=tls_context,
            timeout=time_limit,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
        codes = ", ".join(str(r.code) for r in refused)
        permanent = all(r.code >= 500 for r in refused)
        raise MailNotSent(f"recipient refused (SMTP {codes})", permanent=permanent) from None
    except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as exc:
        # This message or its sender refused: a 5xx answer stays the same however often asked.
        reason = _short(f"SMTP {exc.code}: {exc.message}")
        raise MailNotSent(reason, permanent=exc.code >= 500) from None
    except aiosmtplib.SMTPResponseException as exc:  # greeting, HELO, login: the server's state
        raise MailNotSent(_short(f"SMTP {exc.code}: {exc.message}"), permanent=False) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailNotSent(_short(f"{type(exc).__name__}: {exc}"), permanent=False) from None


def _digest_subject(unit_name: str, count: int, language: str) -> str:
    wording = _DIGEST_SUBJECT.get(language, _DIGEST_SUBJECT["zh-CN"])
    return wording.format(unit=unit_name, count=count)


def _plain(texts: Sequence[Text]) -> str:
    return "\n\n".join(f"{text.title}\n\n{text.body}" for text in texts) + "\n"


def _html(texts: Sequence[Text], language: str) -> str:
    sections = "\n".join(
        f"<h2>{html.escape(text.title)}</h2>\n<p>{_paragraph(text.body)}</p>" for text in texts
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(texts[0].title)}</title></head>\n<body>\n{sections}\n</body>\n"
        "</html>\n"
    )


def _paragraph(body: str) -> str:
    return "<br>\n".join(html.escape(line) for line in body.splitlines())


def _short(text: str) -> str:
    line = (text.splitlines() or [""])[0]
    return line if len(line) <= _ERROR_LIMIT else line[: _ERROR_LIMIT - 1] + "…"
