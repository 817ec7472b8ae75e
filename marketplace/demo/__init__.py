"""The demo energy group of `marketplace serve --demo`: its chart, catalog and tokens."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from importlib import resources

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.meeting import half_year_of
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.organisation import Level
from marketplace.demo.documents import seed_documents
from marketplace.demo.frameworks import seed_frameworks
from marketplace.demo.joint_procurement import seed_joint_procurement
from marketplace.demo.rules import seed_rules
from marketplace.demo.shared_resources import seed_resources
from marketplace.handlers import (
    bodies,
    catalog,
    contracts,
    disputes,
    inspections,
    meetings,
    needs,
    visits,
)
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_csv import parse_entries
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssuedToken, IssueToken, issue_token_as
from marketplace.handlers.unit_import import import_units, parse_units_file

DEMO_ACTOR = Actor(unit_id=None, token_id="demo")


def organisation_yaml() -> str:
    """The demo organisation file; also the example of the `units import` format."""
    return resources.files(__package__).joinpath("organisation.yaml").read_text("utf-8")


def catalog_csv() -> str:
    """The demo catalog, in the format of `marketplace catalog import`."""
    return resources.files(__package__).joinpath("catalog.csv").read_text("utf-8")


def seed_catalog(svc: Services, hq: Principal) -> str:
    """Publish a catalog for the current half-year: each platform submits its sector's entries,
    HQ approves them all. Returns the version id."""
    now = svc.clock().astimezone(svc.zone)
    first_half = now.month <= 6
    version = catalog.open_version(
        svc,
        hq,
        catalog.OpenVersion(
            period=f"{now.year}H{1 if first_half else 2}",
            effective_from=date(now.year, 1 if first_half else 7, 1),
            effective_to=date(now.year, 6, 30) if first_half else date(now.year, 12, 31),
            submission_deadline=svc.clock() + timedelta(days=7),
        ),
    )
    org = load_organisation(svc)
    assert org is not None
    by_platform: dict[str, list[catalog.EntrySubmission]] = {}
    for entry in parse_entries(catalog_csv()):
        chain = [entry.supplier_unit_id, *org.ancestors(entry.supplier_unit_id)]
        platform = next(u for u in chain if org.units[u].level is Level.PLATFORM)
        by_platform.setdefault(platform, []).append(entry)
    for platform, entries in by_platform.items():
        admin = Principal("demo", platform, frozenset({Role.PLATFORM_ADMIN}))
        for entry_id in catalog.submit_entries(svc, admin, version.id, entries):
            catalog.review_entry(svc, hq, version.id, entry_id, None)
    catalog.publish_version(svc, hq, version.id)
    return version.id


DEMO_NEEDS = [
    # (demand unit, title, category, subcategory, item, quantity, uom, budget, offers)
    (
        "COAL-01",
        "Process steam for methanol synthesis, Q1",
        "product",
        "heat",
        "STEAM-LP",
        "1200",
        "t",
        "230000.00",
        [("HEAT-02", "184.00"), ("PWR-01", "179.50")],
    ),
    (
        "HEAT-01",
        "Boiler feed pump seal kits for the winter season",
        "resource",
        "tangible/spare_parts",
        "PUMP-SEAL-KIT",
        "40",
        "pc",
        "28000.00",
        [("SVC-03", "640.00")],
    ),
    (
        "PWR-02",
        "Safety certification for new operators",
        "service",
        "education_training",
        "SAFETY-CERT",
        "25",
        "person",
        "32000.00",
        [],
    ),
]


def seed_needs(svc: Services) -> None:
    """A few open needs, some with offers, so a newcomer sees the flow at once."""
    now = svc.clock()
    for demand, title, category, sub, item, qty, uom, budget, offers in DEMO_NEEDS:
        operator = Principal("demo", demand, frozenset({Role.UNIT_OPERATOR}))
        need = needs.post_need(
            svc,
            operator,
            NeedSpec(
                demand,
                title,
                category,
                sub,
                item,
                Decimal(qty),
                uom,
                (now + timedelta(days=30)).date(),
                Decimal(budget),
                "regular",
                "direct",
            ),
        )
        for supplier, price in offers:
            needs.submit_offer(
                svc,
                Principal("demo", supplier, frozenset({Role.UNIT_OPERATOR})),
                need.id,
                supplier,
                needs.OfferTerms(
                    Decimal(price),
                    Decimal(qty),
                    (now + timedelta(days=20)).date(),
                    now + timedelta(days=14),
                ),
            )


def seed_visits(svc: Services) -> str:
    """Two exchange visits across sectors held, with their leads, and one planned; answers the
    lead the methanol contract came from (seed_contracts posts its need naming it)."""
    now = svc.clock()

    def admin(platform: str) -> Principal:
        return Principal("demo", platform, frozenset({Role.PLATFORM_ADMIN}))

    methanol = visits.plan_visit(
        svc,
        admin("COAL"),
        "COAL-01",
        ["PWR-01", "PWR-02"],
        now - timedelta(days=21),
        "Methanol as a boiler start-up fuel",
    )
    held = visits.record_held(
        svc,
        admin("COAL"),
        methanol.id,
        "Both plants start their boilers on diesel; methanol costs less per start.",
        [
            ("METHANOL", "PWR-02 buys methanol for its boiler start-ups instead of diesel."),
            (None, "Share the methanol plant's water laboratory with the power plants."),
        ],
    )
    overhaul = visits.plan_visit(
        svc,
        admin("SVC"),
        "SVC-03",
        ["HEAT-01", "HEAT-02"],
        now - timedelta(days=10),
        "Boiler overhauls before the heating season",
    )
    visits.record_held(
        svc,
        admin("HEAT"),
        overhaul.id,
        "SVC-03 showed its overhaul workshop and spare-parts stock.",
        [
            ("BOILER-OVERHAUL", "HEAT-02 wants its two steam boilers overhauled before winter."),
            ("PUMP-SEAL-KIT", "HEAT-01 keeps feed pump seal kits in SVC-03's stock."),
        ],
    )
    visits.plan_visit(
        svc,
        admin("ENG"),
        "ENG-01",
        ["PWR-03"],
        now + timedelta(days=14),
        "Low-NOx burner retrofit",
    )
    return held.leads[0].lead_id


def seed_contracts(svc: Services, methanol_lead: str | None = None) -> None:
    """A completed and an active contract (its need from an exchange visit's lead when
    `methanol_lead`), incidents, and one dispute in mediation."""
    now = svc.clock()

    def unit(unit_id: str) -> Principal:
        return Principal("demo", unit_id, frozenset({Role.UNIT_OPERATOR}))

    def contract_for(
        demand: str, supplier: str, item: str, sub: str, price: str, qty: str, lead: str | None
    ) -> str:
        need = needs.post_need(
            svc,
            unit(demand),
            NeedSpec(
                demand,
                f"{item} for {demand}",
                "product",
                sub,
                item,
                Decimal(qty),
                "t",
                (now + timedelta(days=30)).date(),
                Decimal(price) * Decimal(qty),
                "regular",
                "direct",
                lead_id=lead,
            ),
        )
        offer = needs.submit_offer(
            svc,
            unit(supplier),
            need.id,
            supplier,
            needs.OfferTerms(
                Decimal(price),
                Decimal(qty),
                (now + timedelta(days=20)).date(),
                now + timedelta(days=14),
            ),
        )
        contract_id = needs.award(svc, unit(demand), need.id, offer.id).id
        contracts.sign(svc, unit(supplier), contract_id, None)
        contracts.sign(svc, unit(demand), contract_id, None)
        return contract_id

    done = contract_for("COAL-02", "HEAT-02", "STEAM-HP", "heat", "220.00", "800", None)
    contracts.deliver(svc, unit("HEAT-02"), done, Decimal("800"), Decimal("176000.00"), now)
    contracts.complete(svc, unit("COAL-02"), done, None)
    running = contract_for(
        "PWR-02", "COAL-01", "METHANOL", "coal_chemical", "2450.00", "40", methanol_lead
    )
    contracts.deliver(svc, unit("COAL-01"), running, Decimal("15"), Decimal("36750.00"), now)
    contracts.record_incident(
        svc,
        unit("PWR-02"),
        running,
        "delivery_delay",
        "minor",
        "Second truck arrived a day late.",
        now,
    )
    incident = contracts.record_incident(
        svc,
        unit("COAL-02"),
        done,
        "product_quality",
        "major",
        "Steam superheat below spec for two shifts.",
        now,
    )
    dispute = disputes.escalate_incident(
        svc, unit("COAL-02"), incident.id, "Compensate the lost methanol output."
    )
    disputes.request_mediation(svc, unit("COAL-02"), dispute.id)


def seed_inspections(svc: Services, hq: Principal) -> None:
    """Two findings of HQ's inspection: one open, one already rectified."""
    due = (svc.clock().astimezone(svc.zone) + timedelta(days=45)).date()
    inspections.record_finding(
        svc,
        hq,
        "COAL-02",
        "not_following_plan",
        "Safety certification training bought outside the group; SVC-02 offers it in the catalog.",
        due,
    )
    rectified = inspections.record_finding(
        svc,
        hq,
        "HEAT-01",
        "incomplete_rules",
        "No written procedure for posting needs to the internal market.",
        due,
    )
    inspections.rectify_finding(
        svc,
        Principal("demo", "HEAT-01", frozenset({Role.UNIT_OPERATOR})),
        rectified.id,
        "Procedure HR-IM-01 adopted by the board; copy attached to the minutes.",
    )


def seed_meetings(svc: Services, hq: Principal) -> None:
    """The half year's regular work meeting, held two weeks ago, with minutes and three action
    items (one done, one overdue, one open); an ad-hoc meeting PWR asked for and HQ accepted;
    COAL's request still waiting for HQ's answer."""
    now = svc.clock()
    held = now - timedelta(days=14)
    today = now.astimezone(svc.zone).date()
    invited = ["PWR", "HEAT", "COAL", "ENG", "SVC"]
    regular = meetings.schedule_regular(
        svc,
        hq,
        half_year_of(held.astimezone(svc.zone).date()),
        held,
        [
            "Internal market trade by platform",
            "Next half year's internal purchasing plans",
            "Sharing spare parts",
        ],
        invited,
        None,
    )
    decisions = [
        meetings.DecisionIn(
            "Keep a group-wide list of spare parts to share, updated monthly by each platform.",
            [
                meetings.ItemIn(
                    "PWR-01",
                    today - timedelta(days=3),
                    "Send the steam turbine spare-parts stock list",
                ),
                meetings.ItemIn(
                    "SVC-03",
                    today + timedelta(days=30),
                    "Collect each platform's maintenance capacity",
                ),
            ],
        ),
        meetings.DecisionIn(
            "COAL and HEAT agree a framework for steam supply.",
            [
                meetings.ItemIn(
                    "COAL-01",
                    today - timedelta(days=7),
                    "Submit the steam demand forecast for the next half year",
                )
            ],
        ),
    ]
    recorded = meetings.record_minutes(svc, hq, regular.id, invited, decisions)
    assert recorded.minutes is not None
    forecast = recorded.minutes["decisions"][1]["action_items"][0]["action_item_id"]  # type: ignore[index]
    meetings.mark_done(
        svc,
        Principal("demo", "COAL-01", frozenset({Role.UNIT_OPERATOR})),
        str(forecast),
        "Forecast sent to HQ planning three days after the meeting.",
    )

    def admin(platform: str) -> Principal:
        return Principal("demo", platform, frozenset({Role.PLATFORM_ADMIN}))

    asked = meetings.file_request(
        svc,
        admin("PWR"),
        "Winter supply of power coal between platforms",
        "Power coal demand this winter is expected 15% higher; "
        "COAL's supply and the internal price need agreeing.",
    )
    meetings.accept_request(svc, hq, asked.id, now + timedelta(days=10))
    meetings.file_request(
        svc,
        admin("COAL"),
        "Borrowing maintenance crews across platforms",
        "The overhaul is short of maintenance staff; HQ is asked to arrange support from ENG.",
    )


DEMO_WORKING_GROUPS = [
    # (name, sectors, categories, members, lead): coordination working groups (paper §3.1.2)
    (
        "煤电化协调工作组",
        ["coal_chemical", "power", "heat"],
        ["product"],
        ["COAL", "PWR", "HEAT", "COAL-01", "COAL-03", "PWR-01"],
        "COAL",
    ),
    (
        "工程建设与服务协调工作组",
        ["engineering", "services"],
        ["engineering", "service"],
        ["ENG", "SVC", "ENG-01", "ENG-02", "SVC-03"],
        "ENG",
    ),
    (
        "资源共享协调工作组",
        [],
        ["resource"],
        ["SVC", "PWR", "HEAT", "COAL", "ENG"],
        "SVC",
    ),
]


def seed_bodies(svc: Services, hq: Principal) -> None:
    """The synergy leadership group (its office at HQ, the platforms its members) and three
    coordination working groups (paper §3.1.1-3.1.2)."""
    bodies.set_leadership_group(svc, hq, ["HQ", "PWR", "HEAT", "COAL", "ENG", "SVC"], "HQ")
    for name, sectors, categories, members, lead in DEMO_WORKING_GROUPS:
        bodies.form_working_group(
            svc, hq, bodies.FormWorkingGroup(name, sectors, categories, members, lead)
        )


def seed_demo(svc: Services) -> list[IssuedToken]:
    """Create the demo group, its published catalog and a token for every role; call on an
    empty store only."""
    text = organisation_yaml()
    import_units(svc, DEMO_ACTOR, text)
    entries = [entry for _, _, entry in parse_units_file(text)]
    group = next(e for e in entries if e.level is Level.GROUP)
    actor = Actor(unit_id=group.id, token_id="demo")
    wanted: list[IssueToken] = [
        IssueToken(group.id, [Role.HQ_ADMIN], "demo HQ administrator"),
        IssueToken(group.id, [Role.AUDITOR], "demo group auditor"),
        IssueToken(group.id, [Role.BI_READER], "demo BI system"),
    ]
    for entry in entries:
        if entry.level is Level.PLATFORM:
            wanted.append(IssueToken(entry.id, [Role.PLATFORM_ADMIN], f"demo {entry.id} admin"))
        elif entry.level is Level.ENTERPRISE:
            wanted.append(IssueToken(entry.id, [Role.UNIT_OPERATOR], f"demo {entry.id} operator"))
    hq = Principal("demo", group.id, frozenset({Role.HQ_ADMIN}))
    seed_documents(svc, seed_catalog(svc, hq))
    seed_needs(svc)
    seed_contracts(svc, seed_visits(svc))
    seed_inspections(svc, hq)
    seed_meetings(svc, hq)
    seed_bodies(svc, hq)
    seed_frameworks(svc)
    seed_joint_procurement(svc, hq)
    seed_resources(svc)
    seed_rules(svc, hq)
    return [issue_token_as(svc, actor, cmd) for cmd in wanted]
