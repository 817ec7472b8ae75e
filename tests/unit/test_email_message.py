"""E-mail notifications as messages: parts, headers, the Message-ID of one event or a digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from marketplace.events.envelope import CloudEvent
from marketplace.notifications.email import build_digest, message_id, smtp_server

SENDER = "Marketplace <notify@market.example>"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def event(event_id: str, minute: int = 0) -> CloudEvent:
    return CloudEvent(
        id=event_id,
        type="marketplace.need.posted.v1",
        subject="need-1",
        time=datetime(2027, 3, 1, 9, minute, tzinfo=UTC),
        dataschema="urn:marketplace:schema:marketplace.need.posted.v1",
        sequence=7,
        aggregateversion=1,
        data={},
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    return plain.get_content(), html.get_content()


def test_one_event_makes_a_mail_titled_by_its_text_with_the_event_id_as_message_id() -> None:
    text = Text("新需求 煤炭 500 吨", "需求单位 华北电厂\n截止 2027-03-08")
    message = build_digest("华北煤业", [("e-1", text, event("e-1"))], "zh-CN", SENDER, to="a@b.cn")

    assert message["Subject"] == "新需求 煤炭 500 吨"
    assert message["Message-ID"] == "<e-1@market.example>"
    assert message["From"] == SENDER and message["To"] == "a@b.cn"
    assert message["Date"] == "Mon, 01 Mar 2027 09:00:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"
    plain, html = parts(message)
    assert plain == "新需求 煤炭 500 吨\n\n需求单位 华北电厂\n截止 2027-03-08\n"
    assert '<html lang="zh-CN">' in html
    assert "<h2>新需求 煤炭 500 吨</h2>" in html
    assert "需求单位 华北电厂<br>\n截止 2027-03-08" in html


def test_the_html_part_escapes_the_texts() -> None:
    text = Text("A <b> & C", 'say "<script>"')
    message = build_digest("Unit", [("e-1", text, event("e-1"))], "en", SENDER, to="a@b.cn")
    _, html = parts(message)
    assert "<h2>A &lt;b&gt; &amp; C</h2>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


@pytest.mark.parametrize(
    ("language", "subject"),
    [("zh-CN", "华北煤业：3 条新通知"), ("en", "华北煤业: 3 new notifications")],  # noqa: RUF001
)
def test_several_events_make_one_digest_in_the_recipients_language(
    language: str, subject: str
) -> None:
    items = [(f"e-{n}", Text(f"title {n}", f"body {n}"), event(f"e-{n}", n)) for n in (1, 2, 3)]
    message = build_digest("华北煤业", items, language, SENDER, to="a@b.cn")

    assert message["Subject"] == subject
    assert message["Date"] == "Mon, 01 Mar 2027 09:03:00 +0000"  # the newest event's time
    plain, html = parts(message)
    for n in (1, 2, 3):
        assert f"title {n}\n\nbody {n}" in plain
        assert f"<h2>title {n}</h2>" in html


def test_a_digest_message_id_derives_from_all_its_event_ids_in_any_order() -> None:
    digest = message_id(["e-1", "e-2", "e-3"], "market.example")
    assert digest == message_id(["e-3", "e-1", "e-2"], "market.example")
    assert digest != message_id(["e-1", "e-2"], "market.example")
    assert digest != message_id(["e-1", "e-2", "e-4"], "market.example")
    assert digest.startswith("<digest.") and digest.endswith("@market.example>")


def test_the_same_events_build_the_same_mail_twice() -> None:
    items = [(f"e-{n}", Text(f"t{n}", f"b{n}"), event(f"e-{n}", n)) for n in (1, 2)]
    first = build_digest("U", items, "en", SENDER, to="a@b.cn")
    again = build_digest("U", items, "en", SENDER, to="a@b.cn")
    assert first.as_bytes() == again.as_bytes()


def test_no_events_or_a_sender_without_a_domain_is_refused() -> None:
    with pytest.raises(ValueError, match="one event at least"):
        build_digest("U", [], "en", SENDER, to="a@b.cn")
    with pytest.raises(ValueError, match="no domain"):
        build_digest("U", [("e", Text("t", "b"), event("e"))], "en", "marketplace", to="a@b.cn")


def test_smtp_urls_name_the_server_the_login_and_the_kind_of_tls() -> None:
    plain = smtp_server("smtp://mail.example")
    assert (plain.host, plain.port, plain.username, plain.implicit_tls) == (
        "mail.example",
        25,
        None,
        False,
    )
    secure = smtp_server("smtps://erp%40x:p%3Ass@mail.example")
    assert (secure.port, secure.username, secure.password, secure.implicit_tls) == (
        465,
        "erp@x",
        "p:ss",
        True,
    )
    assert smtp_server("smtp://mail.example:2525").port == 2525
    with pytest.raises(ValueError, match="smtp://"):
        smtp_server("https://mail.example")
