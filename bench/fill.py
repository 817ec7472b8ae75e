"""A store at the scale of a real group, written through the handlers, for the other benches.

Usage: python bench/fill.py [--data-dir DIR] [--units 2000] [--entries 100000]
       [--events 1000000] [--workers 2] [--seed 13] [--flush-every 1000]
       [--store sqlite|postgres] [--database-url URL --schema S]

Into a fresh store (embedded SQLite in DIR by default): a chart of `--units` units (HQ,
platforms of ~100 enterprises) imported from a generated units file; a catalog of `--entries`
entries (three suppliers an item) imported as each platform's CSV, bulk-approved by HQ and
published; tokens (printed, and kept in DIR/fill-tokens.json); then trading until about
`--events` events are stored: needs (mostly direct with one to three offers, some cancelled,
some sourced by tender with sealed bids, some won outside), awards, signatures, deliveries
(some late), completions, terminations, quality incidents, disputes and their mediation.

Every command goes through the handlers (marketplace/handlers/*) as a Principal, so the domain
decides everything it decides for the API. Two things make it fast without bypassing it:
`--workers` processes each trade for their own demand units (all write the same store), and
each groups its commands' saves into one transaction (bench/fill_store.py). Time is a
simulated clock starting on 2026-01-05 that moves as the trading needs (offers within hours,
bids opened after their deadline, deliveries weeks later), so nothing waits. The random mix
is seeded: two fills of the same size make the same needs, offers and disputes.
"""

from __future__ import annotations

import argparse
import heapq
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fill_store import BufferedStore  # bench/fill_store.py, beside this script

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.organisation import ORGANISATION_ID
from marketplace.aggregates.rules import RULES_ID
from marketplace.aggregates.taxonomy import TAXONOMY
from marketplace.aggregates.tender import Tender
from marketplace.bootstrap import build_services, store_location, utc_now
from marketplace.handlers import catalog, catalog_import, contracts, disputes, needs, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import AppError
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssueToken, issue_token_as
from marketplace.handlers.unit_import import import_units
from marketplace.settings import Settings

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # the simulated clock's first trading moment
SPAN = timedelta(days=170)  # new needs arrive over this much simulated time
EVENTS_PER_NEED = 13  # about, over the mix below: sizes the arrival rate to the span
FLUSH_EVERY = 1000  # steps per transaction, by default
IN_FLIGHT_EVENTS = 4  # commands per transaction
SECTORS = ("power", "heat", "coal_chemical", "engineering", "services", "logistics", "mining")
UOMS = ("t", "pc", "MWh", "GJ", "h", "set", "m3")
ADMIN_ACTOR = Actor(unit_id=None, token_id="fill")
PAIRS = [(c.code, s.code) for c in TAXONOMY for s in c.subcategories]


# ----- the group --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The generated chart and catalog items; the same for the same sizes and seed."""

    platforms: list[str]
    enterprises: list[str]
    parent: dict[str, str]
    items: list[Item]


@dataclass(frozen=True)
class Item:
    code: str
    category: str
    subcategory: str
    uom: str
    price: Decimal
    suppliers: tuple[str, ...]


def make_group(units: int, entries: int, seed: int) -> Group:
    platforms = [f"P{p:02d}" for p in range(1, max(1, round(units / 100)) + 1)]
    count = max(len(platforms), units - 1 - len(platforms))
    parent: dict[str, str] = {}
    enterprises = []
    for i in range(count):
        platform = platforms[i % len(platforms)]
        unit = f"{platform}-E{i // len(platforms) + 1:03d}"
        parent[unit] = platform
        enterprises.append(unit)
    rng = random.Random(f"catalog-{seed}")
    items = []
    for k in range((entries + 2) // 3):
        category, subcategory = PAIRS[k % len(PAIRS)]
        wanted = min(3, entries - 3 * k)
        items.append(
            Item(
                f"IT-{k:06d}",
                category,
                subcategory,
                UOMS[k % len(UOMS)],
                Decimal(rng.randrange(500, 500_000)) / 100,
                tuple(rng.sample(enterprises, wanted)),
            )
        )
    return Group(platforms, enterprises, parent, items)


def units_yaml(group: Group) -> str:
    lines = ["units:", "  - {id: HQ, name: Group Headquarters, level: group, sector: group}"]
    for n, platform in enumerate(group.platforms):
        sector = SECTORS[n % len(SECTORS)]
        lines.append(
            f"  - {{id: {platform}, name: Platform {platform}, level: platform, "
            f"parent_id: HQ, sector: {sector}}}"
        )
    for unit in group.enterprises:
        lines.append(
            f"  - {{id: {unit}, name: Enterprise {unit}, level: enterprise, "
            f"parent_id: {group.parent[unit]}}}"
        )
    return "\n".join(lines) + "\n"


def platform_csvs(group: Group) -> dict[str, str]:
    """Each platform's catalog file, in the format of `marketplace catalog import`."""
    header = "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price,"
    rows: dict[str, list[str]] = {p: [header + "capacity,regions"] for p in group.platforms}
    for item in group.items:
        for supplier in item.suppliers:
            rows[group.parent[supplier]].append(
                f"{supplier},{item.category},{item.subcategory},{item.code},"
                f"Item {item.code} from {supplier},{item.uom},{item.price},,"
            )
    return {p: "\n".join(r) + "\n" for p, r in rows.items() if len(r) > 1}


# ----- principals and the clock -----------------------------------------------------------------


def operator(unit: str) -> Principal:
    return Principal("fill", unit, frozenset({Role.UNIT_OPERATOR}))


def admin(unit: str) -> Principal:
    role = Role.HQ_ADMIN if unit == "HQ" else Role.PLATFORM_ADMIN
    return Principal("fill", unit, frozenset({role}))


HQ = admin("HQ")


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def ids(prefix_of_worker: str) -> Callable[[str], str]:
    """Deterministic ids: a second fill of the same size makes the same ones."""
    counter = iter(range(1, 1 << 62))
    return lambda prefix: f"{prefix}_{prefix_of_worker}{next(counter):09x}"


# ----- setup: chart, catalog, tokens ------------------------------------------------------------


def settings_of(args: argparse.Namespace) -> Settings:
    if args.store == "postgres":
        return Settings(database_url=args.database_url, database_schema=args.schema)
    return Settings(data_dir=Path(args.data_dir))


def setup(args: argparse.Namespace, group: Group) -> tuple[str, list[dict[str, Any]]]:
    """Chart, catalog (imported, approved, published) and tokens; the version id and tokens."""
    settings = settings_of(args)
    svc = build_services(settings)
    clock = Clock(START - timedelta(days=3))
    svc.clock, svc.new_id = clock, ids("s")
    started = time.perf_counter()
    result = import_units(svc, ADMIN_ACTOR, units_yaml(group))
    print(f"chart: {len(result.created)} units in {time.perf_counter() - started:.1f} s")
    version = catalog.open_version(
        svc,
        HQ,
        catalog.OpenVersion(
            period=f"{START.year}-fill",
            effective_from=START.date() - timedelta(days=4),
            effective_to=date(START.year + 9, 12, 31),
            submission_deadline=START - timedelta(days=1),
        ),
    )
    started = time.perf_counter()
    entry_ids: list[str] = []
    for platform, text in platform_csvs(group).items():
        entry_ids += catalog_import.import_csv(svc, admin(platform), version.id, text)
    print(f"catalog: {len(entry_ids):,} entries imported in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    clock.now += timedelta(days=1, hours=6)
    for at in range(0, len(entry_ids), catalog.MAX_BULK_REVIEW):
        chunk = entry_ids[at : at + catalog.MAX_BULK_REVIEW]
        catalog.review_entries(svc, HQ, version.id, chunk, None)
    catalog.publish_version(svc, HQ, version.id)
    print(f"catalog: approved and published in {time.perf_counter() - started:.1f} s")
    # Tokens live in real time (their lifetime is checked against the API's clock).
    svc.clock = utc_now
    wanted = [IssueToken("HQ", [Role.HQ_ADMIN], "fill HQ administrator")]
    wanted += [IssueToken("HQ", [Role.AUDITOR], "fill auditor")]
    wanted += [IssueToken(p, [Role.PLATFORM_ADMIN], f"fill {p} admin") for p in group.platforms]
    wanted += [IssueToken(e, [Role.UNIT_OPERATOR], f"fill {e}") for e in group.enterprises[:20]]
    issued = [issue_token_as(svc, ADMIN_ACTOR, w) for w in wanted]
    svc.store.close()
    tokens = [{"unit_id": t.unit_id, "label": t.label, "token": t.token} for t in issued]
    return version.id, tokens


# ----- trading ----------------------------------------------------------------------------------

Step = Generator[timedelta, None, None]


@dataclass
class Trader:
    """One worker's trading: its demand units, its clock, its random mix."""

    svc: Services
    clock: Clock
    rng: random.Random
    group: Group
    demand_units: list[str]
    outcomes: Counter[str] = field(default_factory=Counter)

    # -- helpers

    def money(self, amount: Decimal) -> Decimal:
        return amount.quantize(Decimal("0.01"))

    def price_near(self, price: Decimal) -> Decimal:
        return self.money(price * Decimal(self.rng.uniform(0.85, 1.15)))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def until(self, moment: datetime) -> timedelta:
        return max(timedelta(minutes=1), moment - self.clock.now)

    def spec(self, demand: str, item: Item, sourcing: str) -> NeedSpec:
        quantity = Decimal(self.rng.randrange(1, 400))
        return NeedSpec(
            demand,
            f"{item.code} for {demand}",
            item.category,
            item.subcategory,
            item.code,
            quantity,
            item.uom,
            (self.clock.now + timedelta(days=self.rng.randrange(20, 60))).date(),
            self.money(item.price * quantity * Decimal("1.2")),
            "regular",
            sourcing,
        )

    def other_suppliers(self, demand: str, count: int) -> list[str]:
        picked = self.rng.sample(self.group.enterprises, count + 1)
        return [u for u in picked if u != demand][:count]

    # -- lifecycles

    def new_need(self) -> Step:
        demand = self.rng.choice(self.demand_units)
        item = self.rng.choice(self.group.items)
        if self.rng.random() < 0.12:
            return self.tendered(demand, item)
        return self.direct(demand, item)

    def direct(self, demand: str, item: Item) -> Step:
        svc, rng = self.svc, self.rng
        need = needs.post_need(svc, operator(demand), self.spec(demand, item, "direct"))
        quantity = need.spec.quantity
        suppliers = [s for s in need.matched_supplier_ids if s != demand]
        suppliers = suppliers or self.other_suppliers(demand, 2)
        rng.shuffle(suppliers)
        wanted = rng.choice((0, 1, 1, 2, 2, 2, 3))
        if wanted == 0:  # nobody offers: the demand unit gives up after a while
            yield timedelta(days=rng.uniform(5, 15))
            needs.cancel_need(svc, operator(demand), need.id, "No offers came.")
            self.outcomes["need cancelled (no offers)"] += 1
            return
        posted = self.clock.now
        offers = []
        for supplier in suppliers[:wanted]:
            yield self.hours(1, 30)
            terms = needs.OfferTerms(
                self.price_near(item.price),
                quantity,
                (posted + timedelta(days=rng.randrange(10, 35))).date(),
                posted + timedelta(days=14),
            )
            offers.append(needs.submit_offer(svc, operator(supplier), need.id, supplier, terms))
        if rng.random() < 0.06:
            yield self.hours(2, 48)
            offer = offers[0]
            revised = needs.OfferTerms(
                self.money(offer.unit_price * Decimal("0.97")),
                quantity,
                offer.delivery_date,
                offer.valid_until,
            )
            offers[0] = needs.revise_offer(svc, operator(offer.supplier_unit_id), offer.id, revised)
        if len(offers) > 1 and rng.random() < 0.05:
            yield self.hours(2, 48)
            gone = offers.pop()
            needs.withdraw_offer(svc, operator(gone.supplier_unit_id), gone.id)
        yield self.hours(12, 72)
        if rng.random() < 0.05:
            needs.cancel_need(svc, operator(demand), need.id, "Plans changed.")
            self.outcomes["need cancelled (plans changed)"] += 1
            return
        best = min(offers, key=lambda o: (o.unit_price, o.id))
        contract = needs.award(svc, operator(demand), need.id, best.id)
        self.outcomes["direct award"] += 1
        yield from self.perform(
            contract.id, demand, best.supplier_unit_id, quantity, best.unit_price
        )

    def tendered(self, demand: str, item: Item) -> Step:
        svc, rng = self.svc, self.rng
        need = needs.post_need(svc, operator(demand), self.spec(demand, item, "tender"))
        yield self.hours(2, 24)
        invitees = sorted(
            {s for s in need.matched_supplier_ids if s != demand}
            | set(self.other_suppliers(demand, rng.randrange(1, 3)))
        )
        deadline = self.clock.now + timedelta(days=rng.randrange(3, 10))
        tender = tenders.launch_tender(
            svc,
            operator(demand),
            need.id,
            invitees,
            deadline,
            "lowest_price",
            Decimal(rng.choice((0, 3, 5))),
            None,
        )
        delivery = need.spec.required_by
        bidders = rng.sample(invitees, rng.randrange(1, len(invitees) + 1))
        for bidder in bidders:
            pause = self.hours(1, 18)
            if self.clock.now + pause >= deadline - timedelta(hours=1):
                break  # too late: this invitee does not bid
            yield pause
            amount = self.money(self.price_near(item.price) * need.spec.quantity)
            tenders.submit_bid(svc, operator(bidder), tender.id, bidder, None, amount, delivery)
        if rng.random() < 0.35 and self.clock.now + timedelta(hours=2) < deadline:
            yield timedelta(hours=1)
            amount = self.money(self.price_near(item.price) * need.spec.quantity)
            tenders.submit_bid(
                svc, operator(demand), tender.id, None, "Outside Supplier Ltd", amount, delivery
            )
        yield self.until(deadline + self.hours(1, 30))
        tenders.open_bids(svc, operator(demand), tender.id)
        yield self.hours(4, 72)
        opened = svc.store.view(tender.id, Tender)
        assert opened is not None
        first = opened.ranking[0]
        _, contract = tenders.award_tender(svc, operator(demand), tender.id, first["bid_id"], None)
        if contract is None:
            self.outcomes["tender won outside"] += 1
            return
        self.outcomes["tender awarded inside"] += 1
        yield from self.perform(
            contract.id, demand, first["bidder"], contract.quantity, contract.unit_price
        )

    def perform(
        self, contract_id: str, demand: str, supplier: str, quantity: Decimal, price: Decimal
    ) -> Step:
        """Signatures, deliveries (some late), incidents, disputes, completion."""
        svc, rng = self.svc, self.rng
        yield self.hours(2, 48)
        contracts.sign(svc, operator(supplier), contract_id, None)
        yield self.hours(2, 48)
        if rng.random() < 0.03:
            contracts.terminate(svc, operator(demand), contract_id, "Budget withdrawn.", None)
            self.outcomes["contract terminated before signing"] += 1
            return
        contract = contracts.sign(svc, operator(demand), contract_id, None)
        due = contract.delivery_date or (self.clock.now + timedelta(days=20)).date()
        parts = rng.choice((1, 1, 1, 2, 2, 3))
        late = rng.random() < 0.08
        left = quantity
        incidents = []
        for n in range(parts):
            part = left if n == parts - 1 else max(Decimal(1), (quantity / parts).to_integral())
            part = min(part, left)
            if part <= 0:
                break
            left -= part
            on = datetime(due.year, due.month, due.day, 10, tzinfo=UTC)
            on += timedelta(days=rng.randrange(1, 5) if late else -rng.randrange(0, 8))
            yield self.until(on - timedelta(days=3 * (parts - 1 - n)))
            _, incident = contracts.deliver(
                svc, operator(supplier), contract_id, part, self.money(part * price), self.clock.now
            )
            if incident is not None:
                incidents.append(incident.id)
        if rng.random() < 0.07:
            yield self.hours(4, 96)
            incident = contracts.record_incident(
                svc,
                operator(demand),
                contract_id,
                rng.choice(("product_quality", "management")),
                rng.choice(("minor", "major", "major", "critical")),
                "Below the agreed specification on inspection.",
                self.clock.now - timedelta(hours=2),
            )
            incidents.append(incident.id)
        for incident_id in incidents:
            yield from self.handle_incident(incident_id, demand, supplier)
        if rng.random() < 0.01:
            yield self.hours(24, 240)
            dispute = disputes.raise_dispute(
                svc, operator(demand), None, "contract", contract_id, supplier, "payment",
                "Invoice does not match the delivered quantity.",
            )  # fmt: skip
            yield self.hours(24, 120)
            disputes.settle(svc, operator(supplier), dispute.id, "Invoice corrected.")
            self.outcomes["payment dispute settled"] += 1
        yield self.hours(12, 96)
        contracts.complete(svc, operator(demand), contract_id, None)
        self.outcomes["contract completed"] += 1

    def handle_incident(self, incident_id: str, demand: str, supplier: str) -> Step:
        svc, rng = self.svc, self.rng
        yield self.hours(12, 120)
        if rng.random() < 0.55:
            contracts.resolve_incident(
                svc, operator(supplier), incident_id, "Replacement sent, costs borne by supplier."
            )
            self.outcomes["incident resolved"] += 1
            return
        dispute = disputes.escalate_incident(
            svc, operator(demand), incident_id, "Compensate the losses caused."
        )
        yield self.hours(24, 168)
        roll = rng.random()
        if roll < 0.25:
            disputes.settle(svc, operator(supplier), dispute.id, "Credit note of 10%.")
            self.outcomes["dispute settled"] += 1
            return
        if roll < 0.35:
            disputes.withdraw(svc, operator(demand), dispute.id)
            self.outcomes["dispute withdrawn"] += 1
            return
        mediated = disputes.request_mediation(svc, operator(demand), dispute.id)
        yield self.hours(48, 480)
        mediator = mediated.mediator_unit_id or "HQ"
        disputes.resolve(svc, admin(mediator), dispute.id, "Supplier refunds half the amount.")
        self.outcomes["dispute decided by mediator"] += 1


def trade(worker: int, workers: int, args: argparse.Namespace, version_id: str, quota: int) -> None:
    """One worker process: trade until `quota` events of its own are stored."""
    group = make_group(args.units, args.entries, args.seed)
    svc = build_services(settings_of(args))
    inner = svc.store
    assert isinstance(inner, EventSourcingStore)
    store = BufferedStore(inner, {ORGANISATION_ID, CATALOG_INDEX_ID, version_id, RULES_ID})
    clock = Clock(START)
    svc.store, svc.clock, svc.new_id = store, clock, ids(f"w{worker}")
    trader = Trader(
        svc, clock, random.Random(f"trade-{args.seed}-{worker}"), group,
        group.enterprises[worker::workers],
    )  # fmt: skip
    arrival = SPAN / max(1, quota // EVENTS_PER_NEED)
    queue: list[tuple[datetime, int, Step]] = []
    started, commands, seq, next_arrival = time.perf_counter(), 0, 0, START
    refused: Counter[str] = Counter()
    last_report = started

    def run(step: Step) -> None:
        nonlocal seq
        try:
            delay = next(step)
        except StopIteration:
            return
        except (DomainError, AppError) as exc:  # counted, never hidden: the mix should be clean
            code = getattr(exc, "code", type(exc).__name__)
            refused[code] += 1
            if refused[code] <= 3:
                print(f"[worker {worker}] refused: {code}: {exc}", file=sys.stderr, flush=True)
            return
        seq += 1
        heapq.heappush(queue, (clock.now + delay, seq, step))

    while True:
        stored = store.saved_events + store.pending()
        # Lifecycles in flight still store a few events each (about 4, measured): count them.
        arriving = stored + IN_FLIGHT_EVENTS * len(queue) < quota
        if not queue and not arriving:
            break
        if arriving and (not queue or next_arrival <= queue[0][0]):
            clock.now = max(clock.now, next_arrival)
            next_arrival += arrival
            run(trader.new_need())
        else:
            due, _, step = heapq.heappop(queue)
            clock.now = max(clock.now, due)
            run(step)
        commands += 1
        if commands % args.flush_every == 0:
            store.flush()
            now = time.perf_counter()
            if now - last_report > 10:
                last_report = now
                print(
                    f"[worker {worker}] {store.saved_events:,} events "
                    f"({store.saved_events / (now - started):,.0f}/s), {len(queue):,} in flight, "
                    f"simulated {clock.now:%Y-%m-%d}",
                    flush=True,
                )
    store.close()
    print(
        f"[worker {worker}] done: {store.saved_events:,} events, {commands:,} steps, "
        f"refused {dict(refused) or 'none'}; outcomes {dict(trader.outcomes)}",
        flush=True,
    )


# ----- report -----------------------------------------------------------------------------------


def events_by_type(settings: Settings) -> Counter[str]:
    store = EventSourcingStore(store_location(settings))
    counts: Counter[str] = Counter()
    after, head = 0, store.head()
    while after < head:
        batch = store.read(after, 20_000)
        if not batch:
            break
        for record in batch:
            counts[record.topic.rsplit(":", 1)[-1]] += 1
        after = batch[-1].id
    store.close()
    return counts


def size_on_disk(settings: Settings) -> str:
    if settings.database_url:
        return "n/a (PostgreSQL)"
    total = sum(p.stat().st_size for p in settings.data_dir.glob("events.sqlite3*"))
    return f"{total / 2**20:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="fill-data")
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--flush-every",
        type=int,
        default=FLUSH_EVERY,
        help="trading steps per transaction (1: a transaction per command, as the API does)",
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("MARKETPLACE_DATABASE_URL"))
    parser.add_argument("--schema", default="public")
    args = parser.parse_args()
    settings = settings_of(args)
    if args.store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.sqlite_path.exists():
            parser.error(f"{settings.sqlite_path} exists: the fill writes a fresh store")
    elif not args.database_url:
        parser.error("--store postgres needs --database-url")
    else:
        existing = EventSourcingStore(store_location(settings))
        stored = existing.head()
        existing.close()
        if stored:
            parser.error(
                f"schema {args.schema!r} holds {stored:,} events: the fill writes a fresh store"
            )
    started = time.perf_counter()
    group = make_group(args.units, args.entries, args.seed)
    version_id, tokens = setup(args, group)
    store = EventSourcingStore(store_location(settings))
    set_up = store.head()
    store.close()
    if args.store == "sqlite":
        (settings.data_dir / "fill-tokens.json").write_text(json.dumps(tokens, indent=1))
    print(f"set up: {set_up:,} events in {time.perf_counter() - started:.1f} s")
    for t in tokens[:2] + tokens[-1:]:
        print(f"  token {t['label']}: {t['token']}")
    trading = time.perf_counter()
    quota = max(0, args.events - set_up) // args.workers
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(target=trade, args=(w, args.workers, args, version_id, quota))
        for w in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    if any(proc.exitcode for proc in procs):
        sys.exit("a fill worker failed")
    traded = time.perf_counter() - trading
    elapsed = time.perf_counter() - started
    counts = events_by_type(settings)
    total = sum(counts.values())
    print(f"\nevents stored: {total:,}; by type (top 20):")
    for topic, n in counts.most_common(20):
        print(f"  {n:>10,}  {topic}")
    print(
        f"elapsed {elapsed:.1f} s (set-up {trading - started:.1f} s, trading {traded:.1f} s); "
        f"{total / elapsed:,.0f} events/s overall, {(total - set_up) / traded:,.0f} events/s "
        f"trading; store on disk {size_on_disk(settings)}"
    )


if __name__ == "__main__":
    main()
