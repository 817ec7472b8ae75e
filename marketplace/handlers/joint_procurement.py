"""Use cases of joint procurement (paper 1.2.1): open a pool, join it with a share, withdraw,
launch one need for the total; read a pool with what pooling saves, and the lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.joint_procurement import JointProcurement, PoolItem
from marketplace.aggregates.need import DeliveryLocation, Need, NeedSpec
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.price_breaks import PoolingSaving, pooling_saving
from marketplace.handlers.auth import Principal, acts_for, require_acts_for, require_role
from marketplace.handlers.catalog import find_version_in_force
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.needs import load_need, new_need
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.pool_contracts import load_pool
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.reach import Reach, reach_of
from marketplace.projections import joint_procurement_list
from marketplace.projections.pages import Page, PageRequest

LEADS = (Role.HQ_ADMIN, Role.PLATFORM_ADMIN)


@dataclass(frozen=True)
class OpenPool:
    item_code: str
    uom: str
    title: str
    join_until: datetime
    category: str | None = None
    subcategory: str | None = None
    required_by: date | None = None
    delivery_location: DeliveryLocation | None = None


def open_pool(svc: Services, principal: Principal, cmd: OpenPool) -> JointProcurement:
    """A platform admin opens a pool led by its platform, HQ one led by the group. The item's
    category comes from the catalog in force when not given."""
    require_role(principal, *LEADS)
    org = chart(svc)
    lead = principal.unit_id or ""
    active_unit(org, lead)
    category, subcategory = _category(svc, cmd)
    location = cmd.delivery_location
    item = PoolItem(
        cmd.item_code,
        cmd.uom,
        cmd.title,
        category,
        subcategory,
        cmd.required_by,
        None if location is None else vars(location),
    )
    now = svc.clock()
    pool = JointProcurement.open(svc.new_id("jp"), lead, item, cmd.join_until, principal.actor, now)
    svc.store.save(pool)
    return pool


def _category(svc: Services, cmd: OpenPool) -> tuple[str, str]:
    if cmd.category and cmd.subcategory:
        return cmd.category, cmd.subcategory
    version = find_version_in_force(svc, svc.clock())
    entries = version.approved_for_item(cmd.item_code) if version else []
    if not entries:
        raise InvalidField(
            "category",
            "The item is not in the catalog in force: give its category and subcategory.",
            "missing",
        )
    return entries[0].category, entries[0].subcategory


def require_within_lead(org: Organisation, pool: JointProcurement, unit_id: str) -> None:
    if not org.is_within(unit_id, pool.lead_unit_id):
        raise Forbidden(
            f"{unit_id!r} is outside the reach of the pool's lead {pool.lead_unit_id!r}.",
            {"rule": "outside_lead_reach", "lead_unit_id": pool.lead_unit_id},
        )


def join(
    svc: Services,
    principal: Principal,
    pool_id: str,
    unit_id: str,
    quantity: Decimal,
    budget_amount: Decimal,
) -> JointProcurement:
    """The unit (or one acting for it) adds its share, or replaces the one it has."""
    org = chart(svc)
    org.get(unit_id)  # 404 for a unit that does not exist

    def attempt() -> JointProcurement:
        pool = load_pool(svc, pool_id)
        require_acts_for(principal, unit_id, org)
        require_within_lead(org, pool, unit_id)
        active_unit(org, unit_id)
        pool.join(unit_id, quantity, budget_amount, principal.actor, svc.clock())
        svc.store.save(pool)
        return pool

    return svc.retrying(attempt)


def withdraw(svc: Services, principal: Principal, pool_id: str, unit_id: str) -> JointProcurement:
    """A member (or one acting for it) leaves the pool before its launch."""
    org = chart(svc)

    def attempt() -> JointProcurement:
        pool = load_pool(svc, pool_id)
        require_acts_for(principal, unit_id, org)
        pool.withdraw(unit_id, principal.actor, svc.clock())
        svc.store.save(pool)
        return pool

    return svc.retrying(attempt)


def cancel(svc: Services, principal: Principal, pool_id: str, reason: str) -> JointProcurement:
    """The lead's side calls the pool off before its launch."""
    org = chart(svc)

    def attempt() -> JointProcurement:
        pool = load_pool(svc, pool_id)
        require_acts_for(principal, pool.lead_unit_id, org)
        pool.cancel(reason, principal.actor, svc.clock())
        svc.store.save(pool)
        return pool

    return svc.retrying(attempt)


def launch(
    svc: Services,
    principal: Principal,
    pool_id: str,
    sourcing: str,
    required_by: date | None,
) -> tuple[JointProcurement, Need]:
    """The lead posts one need for the total, by the rules of `POST /v1/needs` (the lead's
    unit as demand unit: catalog matching, a tender's invitations, buying outside on its
    platform's approval), saved with the pool."""

    def attempt() -> tuple[JointProcurement, Need]:
        pool = load_pool(svc, pool_id)
        require_acts_for(principal, pool.lead_unit_id, chart(svc))
        pool.check_launchable()  # before the need: an empty pool's would refuse its quantity
        day = required_by or pool.item.required_by
        if day is None:
            raise InvalidField(
                "required_by", "The pool names no day: say when the goods are needed.", "missing"
            )
        need = new_need(svc, principal, _need_spec(pool, sourcing, day))
        pool.launch(need.id, sourcing, principal.actor, svc.clock())
        svc.store.save(pool, need)
        return pool, need

    return svc.retrying(attempt)


def _need_spec(pool: JointProcurement, sourcing: str, required_by: date) -> NeedSpec:
    item, location = pool.item, pool.item.delivery_location
    return NeedSpec(
        demand_unit_id=pool.lead_unit_id,
        title=item.title,
        category=item.category,
        subcategory=item.subcategory,
        item_code=item.item_code,
        quantity=pool.total_quantity,
        uom=item.uom,
        required_by=required_by,
        budget_amount=pool.total_budget,
        business_type="regular",
        sourcing=sourcing,
        delivery_location=None
        if location is None
        else DeliveryLocation(location["site"] or "", location.get("address")),
        pool_id=pool.id,
    )


# ----- reads -----------------------------------------------------------------------------


def may_read(reach: Reach, org: Organisation, pool: JointProcurement) -> None:
    """Those whose reach holds a unit within the lead's subtree (who may join, the lead's
    side) or a member; HQ and auditors."""
    if reach.units is None or any(u in reach.units for u in pool.shares):
        return
    if any(org.is_within(u, pool.lead_unit_id) for u in reach.units if u in org.units):
        return
    raise Forbidden("Only units within the pool's lead's reach, HQ and auditors see it.")


@dataclass(frozen=True)
class EntrySaving:
    """What pooling saves on one catalog entry's price tiers."""

    entry: CatalogEntry
    saving: PoolingSaving


@dataclass(frozen=True)
class PoolView:
    """A pool as one token may see it: `may_lead` (it acts for the lead: launches, sees the
    total budget), `budgets_of` (the members whose budgets it sees: those it acts for, all
    for the lead's side and auditors, as a need's budget shows to its demand side)."""

    pool: JointProcurement
    need: Need | None
    savings: list[EntrySaving]
    may_lead: bool
    budgets_of: frozenset[str]


def read_pool(svc: Services, principal: Principal, pool_id: str) -> PoolView:
    org = chart(svc)
    pool = load_pool(svc, pool_id, reading=True)
    may_read(reach_of(principal, org), org, pool)
    need = load_need(svc, pool.need_id, reading=True) if pool.need_id else None
    lead = acts_for(principal, pool.lead_unit_id, org)
    every = lead or principal.has(Role.AUDITOR)
    budgets = frozenset(u for u in pool.shares if every or acts_for(principal, u, org))
    return PoolView(pool, need, savings(svc, pool, need), lead, budgets)


def savings(svc: Services, pool: JointProcurement, need: Need | None) -> list[EntrySaving]:
    """Per catalog entry of the item with price tiers: in the version the need was matched
    against once launched, else in the version in force now."""
    version: CatalogVersion | None
    if need is not None:
        version_id = need.catalog_version_id
        version = svc.store.view(version_id, CatalogVersion) if version_id else None
    else:
        version = find_version_in_force(svc, svc.clock())
    entries = version.approved_for_item(pool.item.item_code) if version else []
    shares = [(s.unit_id, s.quantity) for s in pool.shares.values()]
    return [
        EntrySaving(e, pooling_saving(shares, e.reference_price, e.price_breaks))
        for e in sorted(entries, key=lambda e: e.supplier_unit_id)
        if e.price_breaks and e.reference_price is not None and shares
    ]


async def pools(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """Pools that concern the unit (default: any within reach), the latest opened first: it
    leads them, has a share in them, or is within their lead's reach (it may join)."""
    org = chart(svc)
    reach = reach_of(principal, org)
    reach.require(unit_id, "unit_id")
    units = reach.narrowed(unit_id)
    leads = None if units is None else _leads_over(org, units)
    reader = await models.reader(joint_procurement_list.PROJECTION.name)
    return await joint_procurement_list.pools_of(reader, units, leads, status, page)


def _leads_over(org: Organisation, units: Sequence[str] | frozenset[str]) -> frozenset[str]:
    """The units and their superiors: who could lead a pool they may join."""
    found = set(units)
    for unit in units:
        if unit in org.units:
            found.update(org.ancestors(unit))
    return frozenset(found)
