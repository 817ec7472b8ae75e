"""Issue 16: e-mail notifications end to end through the notifier, to a real SMTP server
(aiosmtpd): the events of one unit within the digest window go as one mail, plain text and
HTML, its Message-ID made from the event ids, in the unit's language; a server that refuses
(5xx) ends the deliveries dead, one that is down has them retried."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.organisation import Language
from marketplace.aggregates.subscription import Channel
from marketplace.handlers import units
from marketplace.handlers.subscriptions import Subscribe, subscribe
from marketplace.notifications.outbox import DIGEST_WINDOW
from tests.integration.notifier_world import notifier_world
from tests.integration.test_notifier import SUPPLIER, World, operator, until
from tests.notify_receivers import MailReceiver

ADDRESS = "ops@heat-02.example.com"
DOMAIN = "localhost"  # of the default MARKETPLACE_MAIL_FROM, marketplace@localhost


@pytest.fixture
async def mail() -> AsyncIterator[MailReceiver]:
    async with MailReceiver() as receiver:
        yield receiver


@pytest.fixture
async def world(backend: str, tmp_path: Path, mail: MailReceiver) -> AsyncIterator[World]:
    async with notifier_world(backend, tmp_path, smtp_url=mail.url) as built:
        yield built


def subscribe_by_mail(world: World) -> str:
    cmd = Subscribe(SUPPLIER, Channel.EMAIL, ADDRESS, ["marketplace.need.posted.v1"])
    return subscribe(world.svc, operator(SUPPLIER), cmd).subscription.id


async def _rows(world: World, sub_id: str, count: int, **wanted: Any) -> list[dict[str, Any]]:
    rows = await world.deliveries(sub_id)
    if len(rows) != count:
        return []
    return (
        rows
        if all(
            r[k] == v or (k == "attempts" and r[k] >= v) for r in rows for k, v in wanted.items()
        )
        else []
    )


def expected_message_id(event_ids: list[str]) -> str:
    joined = "\n".join(sorted(event_ids)).encode()
    return f"<digest.{hashlib.sha256(joined).hexdigest()[:40]}@{DOMAIN}>"


def parts(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None, "a plain text and an HTML part"
    return str(plain.get_content()), str(html.get_content())  # type: ignore[attr-defined]


async def posted_within_a_minute(world: World, titles: list[str]) -> list[str]:
    """Needs posted ten seconds apart, each matched to the supplier."""
    posted = []
    for title in titles:
        posted.append(world.post_need(title))
        world.clock.advance(seconds=10)
    return posted


@pytest.mark.both_stores
async def test_needs_within_a_minute_go_as_one_digest_in_the_units_language(
    world: World, mail: MailReceiver
) -> None:
    sub_id = subscribe_by_mail(world)
    started = world.clock.now
    titles = ["Steam A", "Steam B", "Steam C"]
    posted = await posted_within_a_minute(world, titles)
    rows = await until(lambda: _rows(world, sub_id, 3))
    # Nothing is sent before the window of the first one ends.
    assert {r["status"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {0}
    assert all(r["next_attempt_at"] == r["created_at"] + DIGEST_WINDOW for r in rows)
    assert mail.messages == []

    world.clock.now = started + DIGEST_WINDOW + DIGEST_WINDOW / 60  # just past the first's window
    rows = await until(lambda: _rows(world, sub_id, 3, status="delivered"))
    [got] = mail.messages  # one mail for the three: recorded before the delivery was
    message = got.message
    assert got.rcpt_tos == [ADDRESS] and message["To"] == ADDRESS
    assert message["Message-ID"] == expected_message_id([r["event_id"] for r in rows])
    assert message["Subject"] == f"{SUPPLIER}：3 条新通知"  # noqa: RUF001 - zh-CN by default
    plain, html = parts(message)
    for title, need_id in zip(titles, posted, strict=True):
        assert f"新需求匹配：{title}" in plain and need_id in plain  # noqa: RUF001
        assert need_id in html
    assert '<html lang="zh-CN">' in html

    units.update_unit(
        world.svc,
        operator(SUPPLIER),
        units.UpdateUnit(SUPPLIER, language=Language.EN),
    )
    more = await posted_within_a_minute(world, ["Steam D", "Steam E"])
    await until(lambda: _rows(world, sub_id, 5))
    world.clock.advance(seconds=DIGEST_WINDOW.total_seconds())
    rows = await until(lambda: _rows(world, sub_id, 5, status="delivered"))
    [_, second] = mail.messages
    assert second.message["Subject"] == f"{SUPPLIER}: 2 new notifications"
    assert second.message["Message-ID"] == expected_message_id([r["event_id"] for r in rows[3:]])
    plain, html = parts(second.message)
    assert "New need matched to you: Steam D" in plain and more[1] in plain
    assert '<html lang="en">' in html and "新需求" not in plain


async def test_a_5xx_refusal_makes_the_deliveries_dead(world: World, mail: MailReceiver) -> None:
    sub_id = subscribe_by_mail(world)
    mail.refuse_with = "550 5.1.1 No such user"
    await posted_within_a_minute(world, ["Steam A", "Steam B"])
    world.clock.advance(seconds=DIGEST_WINDOW.total_seconds())
    rows = await until(lambda: _rows(world, sub_id, 2, status="dead"))
    assert all(r["attempts"] == 1 and "550" in r["last_error"] for r in rows)
    assert mail.messages == []


async def test_an_smtp_server_that_is_down_has_the_mail_retried(
    world: World, mail: MailReceiver
) -> None:
    sub_id = subscribe_by_mail(world)
    await mail.__aexit__(None, None, None)  # the port is closed
    [need_id] = await posted_within_a_minute(world, ["Steam A"])
    world.clock.advance(seconds=DIGEST_WINDOW.total_seconds())
    [row] = await until(lambda: _rows(world, sub_id, 1, attempts=1))
    assert row["status"] == "pending" and row["last_error"]
    assert row["next_attempt_at"] > world.clock.now

    await mail.__aenter__()  # the same port again
    world.clock.advance(hours=1)
    [row] = await until(lambda: _rows(world, sub_id, 1, status="delivered"))
    assert row["attempts"] >= 2
    [got] = await mail.wait_for(1)
    assert got.message["Message-ID"] == f"<{row['event_id']}@{DOMAIN}>"
    assert need_id in parts(got.message)[0]
