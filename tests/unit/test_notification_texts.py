# ruff: noqa: RUF001 - Chinese texts use full-width punctuation
"""Notification texts: every routed type in Chinese and English, with the facts recipients
need and none they may not read (no budget for suppliers, no sealed amount before opening)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.aggregates.bid import Bid, commitment
from marketplace.aggregates.ranking import OpenedBid
from marketplace.aggregates.tender import Tender
from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import to_cloud_event
from marketplace.notifications import texts
from marketplace.notifications.reminders import REMINDER_TYPES
from marketplace.notifications.routing import ROUTED_TYPES, route
from marketplace.notifications.texts import FACTS, Text, render
from tests.unit.notification_cases import ROUTED, Case
from tests.unit.notification_events import (
    BUDGET,
    DEMAND,
    MATCHED,
    OTHER_MATCH,
    POOL_BUDGET,
    SHARE_BUDGETS,
    UNITS,
    framework_created,
    period_closed,
    resource_returned,
)
from tests.unit.org_fixtures import ACTOR

CJK = re.compile(r"[\u4e00-\u9fff]")


def case(kind: str) -> CloudEvent:
    return next(c.event for c in ROUTED if c.event.type == f"marketplace.{kind}.v1")


def both(event: CloudEvent) -> tuple[Text, Text]:
    return render(event, "zh-CN"), render(event, "en")


def test_every_routed_type_has_a_title_and_body_in_both_languages() -> None:
    wording = texts._WORDING
    assert set(FACTS) == ROUTED_TYPES | REMINDER_TYPES
    assert set(wording) == ROUTED_TYPES | REMINDER_TYPES
    for kind in ROUTED_TYPES | REMINDER_TYPES:
        assert set(wording[kind]) == {"zh-CN", "en"}, kind
        for language in ("zh-CN", "en"):
            assert set(wording[kind][language]) == {"title", "body"}, (kind, language)
    assert set(texts._TERMS["zh-CN"]) == set(texts._TERMS["en"])


@pytest.mark.parametrize("routed", ROUTED, ids=lambda c: c.id)
def test_each_text_is_filled_names_its_subject_and_reads_in_its_language(routed: Case) -> None:
    zh, en = both(routed.event)
    for text in (zh, en):
        assert text.title and text.body and "\n" not in text.title
        assert not re.search(r"[{}]", text.title + text.body), text
        assert routed.event.subject in text.title + text.body
        assert BUDGET not in text.title + text.body
    assert CJK.search(zh.title) and CJK.search(zh.body)
    assert not CJK.search(en.title + en.body), en


def test_a_matched_need_says_item_quantity_and_date_but_never_the_budget() -> None:
    zh, en = both(case("need.posted"))
    assert zh.title == "新需求匹配：Low-pressure steam pipe"
    for text in (zh, en):
        assert "PIPE-LP-200" in text.body and "120 m" in text.body and "2027-04-30" in text.body
    assert "请及时登录平台查看并报价。" in zh.body
    assert "make an offer" in en.body


def test_an_invitation_gives_the_deadline_in_the_groups_time_with_its_offset() -> None:
    zh, en = both(case("tender.launched"))
    assert "2027-03-08 17:00（UTC+08:00）" in zh.body
    assert "bids close at 2027-03-08 17:00 (UTC+08:00)" in en.body
    assert "物资 PIPE-LP-200" in zh.title and "最低价中标" in zh.body


def test_contract_parties_read_its_amounts_in_their_own_notation() -> None:
    zh, en = both(case("contract.created"))
    assert "合同金额 48600.00 元" in zh.body and "单价 405.00 元" in zh.body
    assert "amount CNY 48600.00" in en.body and "delivery by 2027-04-20" in en.body
    assert "请双方及时确认并签署合同。" in zh.body


def test_codes_are_put_into_words_and_optional_facts_appear_when_present() -> None:
    zh, en = both(case("need.external_sourcing_requested"))
    assert "内部供应不能满足紧急需求，申请外购数量 40" in zh.body
    assert "internal supply insufficient for an urgent need; quantity to buy outside: 40" in en.body
    delivered_zh, delivered_en = both(case("contract.delivered"))
    assert delivered_zh.body.endswith("2027-03-01 09:30（UTC+08:00），逾期交付。")
    assert delivered_en.body.endswith("(late).")


def test_an_unknown_language_reads_the_default_chinese() -> None:
    assert render(case("dispute.withdrawn"), "fr") == render(case("dispute.withdrawn"), "zh-CN")


def test_a_type_nobody_is_notified_of_has_no_text() -> None:
    with pytest.raises(KeyError):
        render(case("need.posted").model_copy(update={"type": "marketplace.need.awarded.v1"}), "en")


def test_a_meeting_notice_gives_its_kind_time_and_agenda_in_the_readers_words() -> None:
    zh, en = both(case("meeting.scheduled"))
    assert zh.title == "例行工作会议通知：2027H1"
    assert "2027-03-10 09:00（UTC+08:00）" in zh.body
    assert zh.body.endswith("议程：Internal trade by platform、Spare parts pooling")
    assert en.title == "Meeting scheduled for 2027H1: regular work meeting"
    assert en.body.endswith("Agenda: Internal trade by platform, Spare parts pooling")


def test_an_action_item_says_what_and_by_when_and_a_request_its_matter_not_its_report() -> None:
    zh, en = both(case("action_item.assigned"))
    assert zh.title == "督办事项：请于 2027-04-30 前完成"
    assert "Send the spare-parts list." in en.body and "meeting mtg-1" in en.body
    filed_zh, filed_en = both(case("meeting_request.filed"))
    assert "Coal for the winter" in filed_zh.body and "Coal for the winter" in filed_en.body
    assert "six weeks" not in filed_zh.body + filed_en.body  # the report is read on the platform


def test_a_visit_names_its_units_and_a_held_one_its_leads() -> None:
    zh, en = both(case("visit.planned"))
    assert "PWR-01、PWR-02 定于 2027-03-20 09:00（UTC+08:00）赴 COAL-01" in zh.body
    assert en.body.startswith("PWR-01, PWR-02 visit COAL-01 at 2027-03-20 09:00 (UTC+08:00)")
    assert "Cooperation leads found: 1" in render(case("visit.held"), "en").body


def test_a_visit_called_off_says_why() -> None:
    zh, en = both(case("visit.cancelled"))
    assert zh.body.endswith("取消原因：Outage at the host.")
    assert en.body.endswith("Reason: Outage at the host.")


# Trade forms.


def test_an_agreement_to_sign_names_its_parties_item_and_schedule() -> None:
    zh, en = both(case("framework.created"))
    assert "PWR-01（需求单位）与 COAL-01（供应单位）的框架协议 fwk-1：" in zh.body
    assert "共 3 个周期，计划总量 1500 t" in zh.body and "请核对供货计划后签署" in zh.body
    assert "between PWR-01 (demand) and COAL-01 (supply)" in en.body
    assert "3 periods, 1500 t scheduled in all" in en.body and "sign it" in en.body
    special_zh, special_en = both(framework_created(business_type="special_task"))
    assert "fwk-1（专项任务）" in special_zh.body and "fwk-1 (a special task)" in special_en.body


def test_an_amendment_says_what_changes_from_what_and_an_open_price_in_words() -> None:
    proposed = case("framework.amendment_proposed")
    zh, en = both(proposed)
    assert "2027-04 周期（第 1 号变更）：数量由 500 调整为 450、" in zh.body
    assert "、单价由 612.50 元 调整为 600.00 元。" in zh.body
    assert "period 2027-04: quantity 500 to 450, unit price CNY 612.50 to CNY 600.00." in en.body
    price_only = proposed.model_copy(
        update={"data": proposed.data | {"quantity": None, "previous_unit_price": None}}
    )
    zh, en = both(price_only)
    assert "（第 1 号变更）：单价由 待定 调整为 600.00 元。" in zh.body
    assert ": unit price to be agreed to CNY 600.00." in en.body


@pytest.mark.parametrize(
    ("closed", "zh_end", "en_end"),
    [
        (
            period_closed(),
            "短交超出允差，已对供应单位登记交付延迟质量事件 inc-7。",
            "delivery-delay incident inc-7 was recorded against the supplier.",
        ),
        (
            period_closed(incident_id=None),
            "短交超出允差（本周期未订货，未登记质量事件）。",
            "(nothing was called off, so no incident was recorded).",
        ),
        (
            period_closed("0", None, completed=True),
            "（短交比例 0%，允差 5%）。全部周期均已结算，框架协议已完结。",
            "tolerance 5%). Every period is closed: the agreement is completed.",
        ),
    ],
    ids=["incident", "nothing called off", "completed"],
)
def test_a_closed_period_gives_its_figures_and_what_the_shortfall_led_to(
    closed: CloudEvent, zh_end: str, en_end: str
) -> None:
    zh, en = both(closed)
    assert "计划 500，已订货 400，已交付 400，短交 100" in zh.body and zh.body.endswith(zh_end)
    assert "scheduled 500, called off 400, delivered 400, short 100" in en.body
    assert en.body.endswith(en_end)


def test_a_launched_pool_tells_its_members_no_budget_and_the_lead_each_share_with_its_own() -> None:
    for text in both(case("joint_procurement.launched")):
        assert "need-9" in text.body and "300" in text.body
        for budget in (POOL_BUDGET, *SHARE_BUDGETS.values()):
            assert budget not in text.title + text.body
    zh, en = both(case("joint_procurement.joined"))
    assert "PWR-01 新加入，数量 100，预算 111222.00 元" in zh.body
    assert "PWR-01 joined, quantity 100, budget CNY 111222.00" in en.body


def test_a_booking_gives_its_window_in_the_groups_time_and_its_length_in_words() -> None:
    zh, en = both(case("resource.booked"))
    assert "2027-03-10 00:00（UTC+08:00）至2027-03-13 00:00（UTC+08:00）" in zh.body
    assert "时长 3 天，金额 5400.00 元，合同 con-r1 已生效" in zh.body
    assert "from 2027-03-10 00:00 (UTC+08:00) to 2027-03-13 00:00 (UTC+08:00)" in en.body
    assert "quantity 1, 3 day(s), CNY 5400.00; contract con-r1" in en.body


def test_a_return_says_its_damage_and_incident_only_when_there_is_one() -> None:
    zh, en = both(case("resource.returned"))
    assert zh.body.endswith("\n损坏情况：A bucket tooth broke.（已登记质量事件 inc-9）")
    assert en.body.endswith("\nDamage: A bucket tooth broke. (quality incident inc-9)")
    assert both(resource_returned())[1].body.endswith("Condition: Cleaned, tank full.")


# Sealed bids: the real aggregates, through the relay's own translation to public events.

SEALED = Decimal("31337.77")
LAUNCH = datetime(2027, 3, 1, 9, tzinfo=UTC)
DEADLINE = LAUNCH + timedelta(days=7)


def public(aggregate: Tender | Bid) -> list[CloudEvent]:
    found = [to_cloud_event(e, i) for i, e in enumerate(aggregate.collect_events(), 1)]
    return [e for e in found if e is not None]


def test_no_notification_before_the_opening_carries_a_sealed_amount() -> None:
    tender = Tender.launch(
        "ten-9",
        "need-9",
        {"demand_unit_id": DEMAND, "demand_platform_id": "PWR"},
        "PIPE-LP-200",
        "cat-1",
        [MATCHED, OTHER_MATCH],
        [MATCHED, OTHER_MATCH],
        None,
        DEADLINE,
        "lowest_price",
        Decimal("0"),
        ACTOR,
        LAUNCH,
    )
    amounts = {MATCHED: SEALED, OTHER_MATCH: SEALED + 1}
    bids = []
    for n, (bidder, amount) in enumerate(amounts.items(), 1):
        nonce = f"nonce-{n}"
        tender.record_bid(f"bid-{n}", bidder, True, ACTOR, LAUNCH + timedelta(hours=n))
        bids.append(
            Bid(
                id=f"bid-{n}",
                tender_id="ten-9",
                bidder=bidder,
                internal=True,
                delivery_date=date(2027, 4, 1),
                sealed="ciphertext",
                commitment=commitment(amount, nonce),
                actor=ACTOR,
                timestamp=LAUNCH + timedelta(hours=n),
            )
        )
    before_opening = public(tender) + [e for bid in bids for e in public(bid)]

    parties = frozenset[tuple[str, str]]()
    notified = 0
    for e in before_opening:
        routed = route(e, parties, UNITS)
        parties = routed.parties if e.subject == "ten-9" else parties
        assert str(SEALED) not in e.to_bytes().decode()
        if routed.recipients:
            notified += 1
            for text in both(e):
                assert str(SEALED) not in text.title + text.body
                assert str(SEALED + 1) not in text.title + text.body
    assert notified == 3  # the invitation and two bids arriving

    opened = [
        (OpenedBid(f"bid-{n}", b, True, a), f"nonce-{n}", commitment(a, f"nonce-{n}"))
        for n, (b, a) in enumerate(amounts.items(), 1)
    ]
    tender.open_bids(opened, ACTOR, DEADLINE + timedelta(minutes=1))
    tender.award("bid-1", None, "con-9", ACTOR, DEADLINE + timedelta(hours=1))
    awarded = public(tender)[-1]
    assert route(awarded, parties, UNITS).recipients == (OTHER_MATCH, MATCHED)
    # After the opening every invitee reads the ranking: the award may say the amount.
    assert all(str(SEALED) in text.body for text in both(awarded))


def test_a_contract_both_sides_agreed_beforehand_names_its_source_and_asks_no_signature() -> None:
    awarded = case("contract.created")
    call_off = awarded.model_copy(
        update={
            "data": awarded.data
            | {
                "need_id": "",
                "offer_id": "",
                "status": "active",
                "trade_form": "framework",
                "source_id": "fwk_1/2027-03/2",
            }
        }
    )
    zh, en = both(call_off)
    assert "已生成（框架协议订货 fwk_1/2027-03/2）" in zh.body and "需求 " not in zh.body
    assert "as a framework call-off (fwk_1/2027-03/2)" in en.body and "for need" not in en.body
    assert "合同即时生效" in zh.body and "active at once" in en.body
    assert "sign" not in en.body
    assert "for need" in both(awarded)[1].body
