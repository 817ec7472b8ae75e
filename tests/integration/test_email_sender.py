"""E-mail sending against a real SMTP server (aiosmtpd): plain, STARTTLS, smtps, refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from marketplace.events.envelope import CloudEvent
from marketplace.notifications.email import MailNotSent, build_digest, send
from tests.e2e.conftest import free_port
from tests.notify_receivers import MailReceiver, ReceivedMail

SENDER = "集团内部市场 <notify@market.example>"
TO = "erp@supplier.example"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def item(n: int) -> tuple[str, Text, CloudEvent]:
    event_id = f"0b6e3f2c-1d4a-5b6c-8d7e-00000000000{n}"
    text = Text(f"新需求 {n}：动力煤 500 吨", f"需求单位 华北电厂\n截止 2027-03-0{n}")  # noqa: RUF001
    event = CloudEvent(
        id=event_id,
        type="marketplace.need.posted.v1",
        subject=f"need-{n}",
        time=datetime(2027, 3, 1, 9, n, tzinfo=UTC),
        dataschema="urn:marketplace:schema:marketplace.need.posted.v1",
        sequence=n,
        aggregateversion=1,
        data={},
    )
    return event_id, text, event


def contents(mail: ReceivedMail) -> tuple[str, str]:
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    # Text travels in its canonical form, lines ending CRLF (RFC 2046).
    return plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


async def test_one_event_arrives_with_both_parts_its_message_id_and_its_chinese_intact() -> None:
    message = build_digest("华北煤业", [item(1)], "zh-CN", SENDER, to=TO)
    async with MailReceiver() as server:
        await send(server.url, message)
        (mail,) = await server.wait_for(1)

    assert (mail.mail_from, mail.rcpt_tos, mail.tls, mail.login) == (
        "notify@market.example",
        [TO],
        False,
        None,
    )
    assert mail.message["Message-ID"] == f"<{item(1)[0]}@market.example>"
    assert mail.message["Subject"] == "新需求 1：动力煤 500 吨"  # noqa: RUF001
    assert mail.message["From"] == SENDER
    plain, html = contents(mail)
    assert plain == "新需求 1：动力煤 500 吨\n\n需求单位 华北电厂\n截止 2027-03-01\n"  # noqa: RUF001
    assert "<h2>新需求 1：动力煤 500 吨</h2>" in html  # noqa: RUF001


async def test_a_digest_of_several_events_arrives_as_one_message() -> None:
    items = [item(n) for n in (1, 2, 3)]
    async with MailReceiver() as server:
        await send(server.url, build_digest("华北煤业", items, "zh-CN", SENDER, to=TO))
        await send(server.url, build_digest("华北煤业", items[::-1], "zh-CN", SENDER, to=TO))
        first, resent = await server.wait_for(2)

    assert first.message["Subject"] == "华北煤业：3 条新通知"  # noqa: RUF001
    assert first.message["Message-ID"].startswith("<digest.")
    assert resent.message["Message-ID"] == first.message["Message-ID"]  # a resend, recognisable
    plain, html = contents(first)
    for n in (1, 2, 3):
        assert f"新需求 {n}：动力煤 500 吨" in plain  # noqa: RUF001
        assert f"<h2>新需求 {n}：动力煤 500 吨</h2>" in html  # noqa: RUF001


async def test_starttls_is_used_when_offered_and_the_login_goes_over_it() -> None:
    message = build_digest("Unit", [item(1)], "en", SENDER, to=TO)
    async with MailReceiver(starttls=True, credentials=("erp", "p@ss:w/rd")) as server:
        url = f"smtp://erp:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}"
        await send(url, message, tls_context=server.client_tls_context)
        (mail,) = await server.wait_for(1)

    assert (mail.tls, mail.login) == (True, "erp")


async def test_smtps_speaks_tls_from_the_start() -> None:
    message = build_digest("Unit", [item(2)], "en", SENDER, to=TO)
    async with MailReceiver(implicit_tls=True) as server:
        assert server.url.startswith("smtps://")
        await send(server.url, message, tls_context=server.client_tls_context)
        (mail,) = await server.wait_for(1)

    assert mail.message["Message-ID"] == f"<{item(2)[0]}@market.example>"


async def test_an_untrusted_certificate_is_not_sent_to() -> None:
    message = build_digest("Unit", [item(1)], "en", SENDER, to=TO)
    async with MailReceiver(starttls=True) as server:
        with pytest.raises(MailNotSent) as refused:
            await send(server.url, message)  # the system's trust store knows no such certificate
        assert server.messages == []
    assert refused.value.permanent is False


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("450 4.2.1 Mailbox busy, try later", False)],
)
async def test_a_refused_recipient_says_whether_trying_again_can_help(
    reply: str, permanent: bool
) -> None:
    message = build_digest("Unit", [item(1)], "en", SENDER, to=TO)
    async with MailReceiver() as server:
        server.refuse_with = reply
        with pytest.raises(MailNotSent) as refused:
            await send(server.url, message)

    assert refused.value.permanent is permanent
    assert str(refused.value) == f"recipient refused (SMTP {reply[:3]})"


async def test_a_server_that_is_down_is_worth_trying_again_and_the_password_stays_out() -> None:
    message = build_digest("Unit", [item(1)], "en", SENDER, to=TO)
    with pytest.raises(MailNotSent) as refused:
        await send(f"smtp://erp:secret-pass@127.0.0.1:{free_port()}", message, time_limit=5)

    assert refused.value.permanent is False
    assert "secret-pass" not in str(refused.value) and len(str(refused.value)) <= 160
