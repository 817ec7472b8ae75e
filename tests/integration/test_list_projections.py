"""The lists' read models (tenders, contracts, incidents, disputes, external-sourcing requests,
a catalog product's documents, meetings with their requests and action items, exchange visits
with their lead → need → contract trail, working groups, framework agreements with their
call-offs' deliveries, joint procurements with their shares and share contracts, shared resources
and their calendars) against hand-computed rows:
with their lead → need → contract trail, working groups, HQ's rewards and penalties) against
hand-computed rows:
replayed from scratch twice and fed from Kafka through the real relay, all alike; and no sealed
amount in them before the bids are opened."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from marketplace.adapters.document_blobs import DirectoryBlobs
from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import Ground
from marketplace.demo.documents import seed_documents
from marketplace.handlers import (
    assessment_decisions,
    bodies,
    catalog,
    contracts,
    disputes,
    external_sourcing,
    framework_amendments,
    frameworks,
    joint_procurement,
    meetings,
    needs,
    resources,
    tenders,
)
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.projections import (
    assessment_decision_list,
    contract_list,
    dispute_list,
    document_list,
    external_sourcing_list,
    framework_list,
    incident_list,
    joint_procurement_list,
    meeting_list,
    resource_calendar,
    resource_list,
    tender_list,
    visit_list,
    working_group_list,
)
from marketplace.projections.store import ReadModelStore
from tests.conftest import require_broker
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import relayed_into, replayed_into, rows
from tests.integration.test_contract_projections import write_scenario
from tests.integration.test_joint_procurement import PWR, joined, offer, transformers
from tests.integration.test_needs import market, operator, steam  # noqa: F401
from tests.integration.test_visits import held_visit, lead_needs_contract

LISTS = (
    tender_list.PROJECTION,
    contract_list.PROJECTION,
    incident_list.PROJECTION,
    dispute_list.PROJECTION,
    external_sourcing_list.PROJECTION,
    document_list.PROJECTION,
    meeting_list.PROJECTION,
    visit_list.PROJECTION,
    working_group_list.PROJECTION,
    framework_list.PROJECTION,
    joint_procurement_list.PROJECTION,
    resource_list.PROJECTION,
    resource_calendar.PROJECTION,
    assessment_decision_list.PROJECTION,
)
SEALED = ("91234.56", "90111.11", "95000.00", "88888.88")  # amounts that must not show early


def tender(svc: Services, invitees: list[str]) -> str:
    spec = steam()
    need = needs.post_need(
        svc, operator("COAL-01"), spec.__class__(**{**vars(spec), "sourcing": "tender"})
    )
    deadline = svc.clock() + timedelta(days=1)
    launched = tenders.launch_tender(
        svc, operator("COAL-01"), need.id, invitees, deadline, "lowest_price", Decimal(0), None
    )
    return launched.id


def bid(svc: Services, tender_id: str, unit: str | None, amount: str) -> str:
    who = unit or "COAL-01"
    made = tenders.submit_bid(
        svc, operator(who), tender_id, unit, None if unit else "Outside Steam Ltd",
        Decimal(amount), steam().required_by,
    )  # fmt: skip
    return made.id


def write_tenders(svc: Services) -> tuple[str, str]:
    """One tender still sealed (a bid replaced, an external bid, ENG-01 invited though not a
    catalog supplier, and silent), one opened and awarded."""
    svc.sealer = AesGcmSealer(os.urandom(32))
    sealed = tender(svc, ["HEAT-02", "PWR-01", "ENG-01"])
    bid(svc, sealed, "HEAT-02", SEALED[0])
    bid(svc, sealed, "HEAT-02", SEALED[1])  # replaces its first: still one bid
    bid(svc, sealed, "PWR-01", SEALED[2])
    bid(svc, sealed, None, SEALED[3])
    awarded = tender(svc, ["HEAT-02", "PWR-01"])
    winner = bid(svc, awarded, "PWR-01", "180000.00")
    launched = svc.clock()
    svc.clock = lambda: launched + timedelta(days=2)
    tenders.open_bids(svc, operator("COAL-01"), awarded)
    tenders.award_tender(svc, operator("COAL-01"), awarded, winner, None)
    svc.clock = lambda: launched
    return sealed, awarded


def write_disputes(svc: Services, contract_id: str) -> None:
    mediated = disputes.raise_dispute(
        svc, operator("COAL-01"), "COAL-01", "contract", contract_id, "PWR-01", "quality", "Wet."
    )
    disputes.request_mediation(svc, operator("PWR-01"), mediated.id)
    dropped = disputes.raise_dispute(
        svc, operator("COAL-01"), "COAL-01", "contract", contract_id, "PWR-01", "payment", "Late."
    )
    disputes.withdraw(svc, operator("COAL-01"), dropped.id)


def write_requests(svc: Services) -> None:
    """Three requests to buy steam outside: one waiting, one rejected, one approved and used."""
    made = []
    for ground in (Ground.NOT_AVAILABLE_INTERNALLY, Ground.BEYOND_INTERNAL_CAPABILITY, None):
        need = needs.post_need(svc, operator("COAL-01"), steam())
        chosen = ground or Ground.INSUFFICIENT_FOR_URGENT_NEED
        quantity = None if ground else Decimal("100")
        _, request = external_sourcing.request_external(
            svc, operator("COAL-01"), need.id, chosen, "Line down.", quantity
        )
        made.append((need.id, request))
    external_sourcing.decide_external(svc, HQ_ADMIN, made[1][1], False, "Ask PWR-01.")
    external_sourcing.decide_external(svc, HQ_ADMIN, made[2][1], True, None)
    external_sourcing.close_external(svc, operator("COAL-01"), made[2][0], "Outside Steam Ltd")


def write_documents(svc: Services, blobs: Path) -> None:
    """The demo's datasheet, attached twice (the same bytes: two documents, one blob)."""
    svc.documents = DirectoryBlobs(blobs)
    version = catalog.version_in_force(svc, svc.clock())
    seed_documents(svc, version.id)
    seed_documents(svc, version.id)


def write_meetings(svc: Services, working_group_id: str) -> None:
    """The regular meeting (of a working group) with minutes (an item done, one open), a request
    accepted and one declined."""
    regular = meetings.schedule_regular(
        svc, HQ_ADMIN, "2027H1", svc.clock(), ["Review"], ["PWR", "COAL"], working_group_id
    )
    items = [
        meetings.ItemIn("PWR-01", date(2027, 6, 30), "Spare parts list"),
        meetings.ItemIn("COAL-01", date(2027, 6, 30), "Steam demand forecast"),
    ]
    recorded = meetings.record_minutes(
        svc, HQ_ADMIN, regular.id, ["PWR", "COAL"], [meetings.DecisionIn("Share", items)]
    )
    assert recorded.minutes is not None
    decisions: Any = recorded.minutes["decisions"]
    done = decisions[0]["action_items"][0]["action_item_id"]
    meetings.mark_done(svc, operator("PWR-01"), done, "Sent.")
    admin = Principal("tok_pwr_admin", "PWR", frozenset({Role.PLATFORM_ADMIN}))
    accepted = meetings.file_request(svc, admin, "Spare capacity", "Report.")
    meetings.accept_request(svc, HQ_ADMIN, accepted.id, svc.clock() + timedelta(days=3))
    declined = meetings.file_request(svc, admin, "Heat tariffs", "Report.")
    meetings.decline_request(svc, HQ_ADMIN, declined.id, "Next regular meeting.")


def write_decisions(svc: Services) -> None:
    """2026's decisions (the market's clock is in 2027): a reward corrected by another, a
    penalty withdrawn."""
    decide = assessment_decisions.Decide
    reward, penalty = assessment_decisions.record_decisions(
        svc, HQ_ADMIN, 2026,
        [decide("COAL", "reward", "Compliance.", Decimal("80000.00")),
         decide("PWR-01", "penalty", "Late reports.")],
    )  # fmt: skip
    correction = decide("COAL", "reward", "Corrected.", Decimal("60000.00"), reward.id)
    assessment_decisions.record_decisions(svc, HQ_ADMIN, 2026, [correction])
    assessment_decisions.withdraw_decision(svc, HQ_ADMIN, 2026, penalty.id, "Filed on paper.")


def write_working_groups(svc: Services) -> tuple[str, str]:
    """One working group formed and revised (a member and a sector leave), one dissolved."""
    form = bodies.FormWorkingGroup(
        "煤电化协调工作组",
        ["coal_chemical", "power"],
        ["product"],
        ["COAL", "PWR", "COAL-01"],
        "COAL",
    )
    revised = bodies.form_working_group(svc, HQ_ADMIN, form).id
    change = bodies.ReviseWorkingGroup(sectors=["power"], members=["COAL", "PWR", "PWR-01"])
    bodies.revise_working_group(svc, HQ_ADMIN, revised, change)
    form = bodies.FormWorkingGroup("工程与服务协调工作组", [], ["service"], ["ENG", "SVC"], "SVC")
    dissolved = bodies.form_working_group(svc, HQ_ADMIN, form).id
    bodies.dissolve_working_group(svc, HQ_ADMIN, dissolved, "Merged into the services group.")
    return revised, dissolved


def write_framework(svc: Services) -> str:
    """PWR-01 calls off coal from COAL-03 twice in March 2027 (300 t, 150 delivered), April's
    price is agreed late; March closed 50% short: an incident. The clock is put back after."""
    now = svc.clock
    svc.clock = lambda: datetime(2027, 3, 2, 9, tzinfo=UTC)
    terms = frameworks.DrawUp(
        "PWR-01", "COAL-03", "THERMAL-COAL-5500", "t", date(2027, 3, 1), date(2027, 4, 30),
        [("2027-03", Decimal(300), Decimal("612.50")), ("2027-04", Decimal(300), None)],
    )  # fmt: skip
    made = frameworks.draw_up(svc, operator("PWR-01"), terms).id
    frameworks.sign(svc, operator("COAL-03"), made, None)
    frameworks.sign(svc, operator("PWR-01"), made, None)
    _, first = frameworks.call_off(svc, operator("PWR-01"), made, "2027-03", Decimal(200))
    frameworks.call_off(svc, operator("PWR-01"), made, "2027-03", Decimal(100))
    contracts.deliver(
        svc, operator("COAL-03"), first.id, Decimal(150), Decimal("91875.00"), svc.clock()
    )
    framework_amendments.propose(
        svc, operator("COAL-03"), made, "2027-04", None, Decimal(600), "Agreed late.", None
    )
    framework_amendments.accept(svc, operator("PWR-01"), made, 1, None)
    svc.clock = lambda: datetime(2027, 4, 1, 9, tzinfo=UTC)
    frameworks.close_period(svc, operator("PWR-01"), made, "2027-03")
    svc.clock = now
    return made


def write_pools(svc: Services) -> tuple[str, str]:
    """The transformers' pool awarded (three share contracts); another still open, where
    PWR-01's second share replaced its first and PWR-02 withdrew."""
    awarded = joined(svc)
    _, need = joint_procurement.launch(svc, PWR, awarded.id, "direct", None)
    needs.award(svc, PWR, need.id, offer(svc, need.id))
    still = transformers(svc).id
    for unit, quantity in (("PWR-01", "2"), ("PWR-02", "1"), ("PWR-01", "4")):
        joint_procurement.join(svc, operator(unit), still, unit, Decimal(quantity), Decimal(9))
    joint_procurement.withdraw(svc, operator("PWR-02"), still, "PWR-02")
    return awarded.id, still


def write_resources(svc: Services) -> str:
    """ENG-02's two excavators: ENG-01 books one for 3 days (5400.00), has it handed over and
    returns it damaged; HEAT-01's booking is cancelled; then the resource is withdrawn."""
    spec = resources.ResourceSpec(
        "ENG-02", "equipment", "Excavator", "day", Decimal("1800.00"), Decimal(2)
    )
    owner = operator("ENG-02")
    listed = resources.list_resource(svc, owner, spec)

    def day(d: int) -> datetime:
        return datetime(2027, 3, d, tzinfo=UTC)

    used = resources.book(svc, operator("ENG-01"), listed.id, "ENG-01", day(5), day(8), Decimal(1))
    dropped = resources.book(svc, operator("HEAT-01"), listed.id, "HEAT-01", day(6), day(7),
                             Decimal(1))  # fmt: skip
    resources.hand_over(svc, owner, listed.id, used.booking.booking_id, "Fine.")
    resources.take_back(svc, owner, listed.id, used.booking.booking_id, "Dented.", "Boom.", "minor")
    resources.cancel_booking(svc, operator("HEAT-01"), listed.id, dropped.booking.booking_id, "No.")
    resources.withdraw(svc, owner, listed.id, "Sold.")
    return listed.id


async def everything(read_models: ReadModelStore) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: await rows(read_models, table)
        for projection in LISTS
        for table in projection.tables
    }


async def test_the_lists_replay_alike_and_equal_the_kafka_feed(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_broker()
    write_scenario(market)
    sealed, awarded = write_tenders(market)
    before_opening = await replayed_into(market.store, tmp_path / "s.db", LISTS, everything)
    assert not any(amount in repr(before_opening) for amount in SEALED)
    (contract,) = [
        c["contract_id"]
        for c in before_opening["contract_list_contracts"]
        if (c["demand_unit_id"], c["supply_unit_id"], c["status"])
        == ("COAL-01", "PWR-01", "active")
    ]
    write_disputes(market, contract)
    write_requests(market)
    write_documents(market, tmp_path / "documents")
    revised, dissolved = write_working_groups(market)
    write_meetings(market, revised)
    visit = held_visit(market)
    lead_needs_contract(market, visit.leads[0].lead_id)
    framework = write_framework(market)
    awarded_pool, open_pool = write_pools(market)
    resource_id = write_resources(market)
    write_decisions(market)

    replayed = await replayed_into(market.store, tmp_path / "a.db", LISTS, everything)
    assert await replayed_into(market.store, tmp_path / "b.db", LISTS, everything) == replayed
    fed = await relayed_into(market, tmp_path / "k.db", LISTS, everything, replayed)
    assert fed == replayed

    by_tender = {r["tender_id"]: r for r in replayed["tender_list_tenders"]}
    assert (by_tender[sealed]["status"], by_tender[sealed]["bid_count"]) == ("open", 3)
    assert (by_tender[awarded]["status"], by_tender[awarded]["bid_count"]) == ("awarded", 1)
    bids = {(r["tender_id"], r["unit_id"]): r["my_bid"] for r in replayed["tender_list_invitees"]}
    assert {u: b for (t, u), b in bids.items() if t == sealed} == {
        "HEAT-02": "submitted",
        "PWR-01": "submitted",
        "ENG-01": "none",
    }
    contracts = replayed["contract_list_contracts"]
    assert sorted((c["supply_unit_id"], c["status"], c["delivered_amount"]) for c in contracts) == [
        ("COAL-03", "active", Decimal(0)),  # the framework's call-offs
        ("COAL-03", "active", Decimal("91875.00")),
        *[("ENG-02", "awaiting_signatures", Decimal(0))] * 3,  # the pool's share contracts
        ("ENG-02", "completed", Decimal("5400.00")),  # the excavator, returned
        ("ENG-02", "terminated", Decimal(0)),  # its cancelled booking
        ("HEAT-02", "awaiting_signatures", Decimal(0)),  # the visit's lead's need
        ("HEAT-02", "completed", Decimal("220800.00")),
        ("HEAT-02", "terminated", Decimal("18400.00")),
        ("PWR-01", "active", Decimal("108000.00")),
        ("PWR-01", "awaiting_signatures", Decimal(0)),
        ("PWR-01", "awaiting_signatures", Decimal(0)),  # the tender's award
    ]
    incidents = {r["supplier_unit_id"]: r["status"] for r in replayed["incident_list_incidents"]}
    assert incidents == {
        "PWR-01": "open",
        "HEAT-02": "resolved",
        "COAL-03": "open",  # the framework's short month
        "ENG-02": "open",  # the excavator's damage
    }
    assert sorted(
        (d["status"], d["mediator_unit_id"]) for d in replayed["dispute_list_disputes"]
    ) == [("in_mediation", "HQ"), ("withdrawn", None)]
    requests = replayed["external_sourcing_list_requests"]
    assert sorted((r["status"], r["quantity"], r["reason"]) for r in requests) == [
        ("rejected", None, "Ask PWR-01."),
        ("requested", None, None),
        ("used", "100", None),
    ]
    assert sorted(
        (m["kind"], m["minutes_recorded_at"] is not None) for m in replayed["meeting_list_meetings"]
    ) == [("ad_hoc", False), ("regular", True)]
    assert sorted(
        (i["owner_unit_id"], i["done_at"] is not None, i["evidence"])
        for i in replayed["meeting_list_action_items"]
    ) == [("COAL-01", False, None), ("PWR-01", True, "Sent.")]
    assert sorted(r["status"] for r in replayed["meeting_list_requests"]) == [
        "accepted", "declined"]  # fmt: skip
    assert [(v["visit_id"], v["status"]) for v in replayed["visit_list_visits"]] == [
        (visit.id, "held")
    ]
    (from_lead,) = replayed["visit_list_lead_needs"]
    assert from_lead["lead_id"] == visit.leads[0].lead_id
    awarded = {r["need_id"] for r in replayed["visit_list_need_contracts"]}
    assert from_lead["need_id"] in awarded
    assert len(replayed["visit_list_sector_pairs"]) == 1
    (resource,) = replayed["resource_list_resources"]
    assert (resource["resource_id"], resource["status"], resource["bookings"]) == (
        resource_id, "withdrawn", 1
    )  # fmt: skip
    assert sorted(
        (b["unit_id"], b["status"], b["amount"], b["incident_id"] is not None)
        for b in replayed["resource_calendar_bookings"]
    ) == [("ENG-01", "returned", Decimal("5400.00"), True),
          ("HEAT-01", "cancelled", Decimal("1800.00"), False)]  # fmt: skip
    assert [(r["status"], r["available_quantity"]) for r in
            replayed["resource_calendar_resources"]] == [("withdrawn", Decimal(2))]  # fmt: skip
    asked = {r["need_id"] for r in requests}
    needs_of = {r["need_id"]: r["demand_unit_id"] for r in replayed["external_sourcing_list_needs"]}
    assert {needs_of[n] for n in asked} == {"COAL-01"}
    documents = replayed["document_list_documents"]
    assert sorted((d["supplier_unit_id"], d["item_code"], d["kind"]) for d in documents) == [
        ("HEAT-02", "STEAM-LP", "datasheet"),
        ("HEAT-02", "STEAM-LP", "datasheet"),
    ]
    assert len({d["sha256"] for d in documents}) == 1
    groups = {g["working_group_id"]: g for g in replayed["working_group_list_groups"]}
    assert (groups[revised]["status"], groups[dissolved]["status"]) == ("active", "dissolved")
    links = sorted((r["kind"], r["value"]) for r in replayed["working_group_list_links"]
                   if r["working_group_id"] == revised)  # fmt: skip
    assert links == [
        ("member", "COAL"), ("member", "PWR"), ("member", "PWR-01"), ("sector", "power")
    ]  # fmt: skip
    assert [(f["framework_id"], f["status"]) for f in replayed["framework_list_frameworks"]] == [
        (framework, "active")
    ]
    periods = {p["period"]: p for p in replayed["framework_list_periods"]}
    assert (periods["2027-03"]["called_off"], periods["2027-03"]["shortfall"]) == (300, 150)
    assert periods["2027-03"]["incident_id"] is not None
    assert (periods["2027-04"]["unit_price"], periods["2027-04"]["called_off"]) == (600, 0)
    call_offs = replayed["framework_list_call_offs"]
    assert sorted((c["period"], c["quantity"]) for c in call_offs) == [
        ("2027-03", 100), ("2027-03", 200)]  # fmt: skip
    delivered = {d["contract_id"]: d["delivered_quantity"]
                 for d in replayed["framework_list_deliveries"]}  # fmt: skip
    assert sum(delivered.get(c["contract_id"], 0) for c in call_offs) == 150
    by_pool = {p["pool_id"]: p for p in replayed["joint_procurement_list_pools"]}
    assert {
        p: (r["status"], r["total_quantity"], r["member_count"]) for p, r in by_pool.items()
    } == {
        awarded_pool: ("awarded", Decimal(11), 3),
        open_pool: ("open", Decimal(4), 1),
    }
    assert (by_pool[awarded_pool]["unit_price"], by_pool[awarded_pool]["supplier_unit_id"]) == (
        Decimal("87500.00"), "ENG-02")  # fmt: skip
    shares = sorted((r["pool_id"] == awarded_pool, r["unit_id"], r["quantity"], r["amount"])
                    for r in replayed["joint_procurement_list_shares"])  # fmt: skip
    assert shares == [
        (False, "PWR-01", Decimal(4), None),  # the second share replaced the first
        (True, "PWR-01", Decimal(6), Decimal("525000.00")),
        (True, "PWR-02", Decimal(3), Decimal("262500.00")),
        (True, "PWR-03", Decimal(2), Decimal("175000.00")),
    ]
    decided = replayed["assessment_decision_list_decisions"]
    assert sorted((d["unit_id"], d["amount"], d["status"]) for d in decided) == [
        ("COAL", Decimal("60000.00"), "in_effect"),
        ("COAL", Decimal("80000.00"), "superseded"),
        ("PWR-01", None, "withdrawn"),
    ]
