"""Joint procurement of like products (paper 1.2.1): a lead unit (a platform or HQ) opens a pool
for one item, units within its reach add their shares until the join deadline, the lead
launches one need for the total, and its award becomes one contract per member for its share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import (
    Actor,
    DomainError,
    Immutable,
    MarketAggregate,
    RecordNotFound,
)

QUANTUM = Decimal("0.0001")  # quantities have at most 4 decimals


class PoolStatus(StrEnum):
    OPEN = "open"  # taking shares until `join_until`, then waiting for the lead's launch
    LAUNCHED = "launched"  # its need is posted; shares are fixed
    AWARDED = "awarded"  # its need was awarded: each member has its contract
    CANCELLED = "cancelled"  # called off by its lead before the launch: nothing is bought


@dataclass(frozen=True)
class Share(Immutable):
    """A member's part of the pool: how much it buys and what it budgets for it."""

    unit_id: str
    quantity: Decimal
    budget_amount: Decimal


@dataclass(frozen=True)
class ShareContract(Immutable):
    """A member's contract for its share, made by the pool's award."""

    unit_id: str
    quantity: Decimal
    contract_id: str
    amount: Decimal


@dataclass(frozen=True)
class PoolItem:
    """What the pool buys: its need's spec but the quantity and the budget (the shares')."""

    item_code: str
    uom: str
    title: str
    category: str
    subcategory: str
    required_by: date | None = None
    delivery_location: dict[str, str | None] | None = None


def _share_record(share: Share) -> dict[str, str]:
    return {
        "unit_id": share.unit_id,
        "quantity": str(share.quantity),
        "budget_amount": str(share.budget_amount),
    }


def _contract_record(contract: ShareContract) -> dict[str, str]:
    return {
        "unit_id": contract.unit_id,
        "quantity": str(contract.quantity),
        "contract_id": contract.contract_id,
        "amount": str(contract.amount),
    }


class JointProcurement(MarketAggregate):
    """A pool: open (joining until `join_until`) → launched (one need for the total) → awarded."""

    @classmethod
    def open(
        cls,
        pool_id: str,
        lead_unit_id: str,
        item: PoolItem,
        join_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> JointProcurement:
        if join_until <= timestamp:
            raise DomainError(
                "join_until_in_past",
                "Units need time to join: the join deadline must be in the future.",
                {"join_until": join_until.isoformat()},
            )
        return cls(
            id=pool_id,
            lead_unit_id=lead_unit_id,
            item=vars(item),
            join_until=join_until,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Opened")
    def __init__(
        self,
        id: str,
        lead_unit_id: str,
        item: dict[str, Any],
        join_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.lead_unit_id = lead_unit_id
        self.item = PoolItem(**item)
        self.join_until = join_until
        self.opened_at = timestamp
        self.status = PoolStatus.OPEN
        self.shares: dict[str, Share] = {}  # by member, in the order they first joined
        self.need_id: str | None = None
        self.cancel_reason: str | None = None
        self.sourcing: str | None = None
        self.launched_at: datetime | None = None
        self.supplier_unit_id: str | None = None
        self.unit_price: Decimal | None = None
        self.contracts: dict[str, ShareContract] = {}  # by member, once awarded

    # ----- queries -------------------------------------------------------------------------

    @property
    def total_quantity(self) -> Decimal:
        return sum((s.quantity for s in self.shares.values()), Decimal(0))

    @property
    def total_budget(self) -> Decimal:
        return sum((s.budget_amount for s in self.shares.values()), Decimal(0))

    def joining_open(self, now: datetime) -> bool:
        return self.status is PoolStatus.OPEN and now <= self.join_until

    def allocation(self, quantity: Decimal) -> list[tuple[str, Decimal]]:
        """Each member's part of `quantity`: its share when it is the total; pro rata when
        less (part of the need was bought outside), to 4 decimals, the last member taking
        what rounding leaves so the parts add up to `quantity`."""
        total = self.total_quantity
        if quantity >= total:
            return [(u, s.quantity) for u, s in self.shares.items()]
        parts = [
            (u, (s.quantity * quantity / total).quantize(QUANTUM, ROUND_DOWN))
            for u, s in self.shares.items()
        ]
        last_unit, _ = parts[-1]
        rest = quantity - sum((q for _, q in parts[:-1]), Decimal(0))
        return [*parts[:-1], (last_unit, rest)]

    # ----- commands ------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.status is PoolStatus.CANCELLED:
            raise DomainError(
                "pool_cancelled",
                f"Joint procurement {self.id!r} was cancelled by its lead.",
                {"reason": self.cancel_reason},
            )
        if self.status is not PoolStatus.OPEN:
            raise DomainError(
                "pool_launched",
                f"Joint procurement {self.id!r} was launched: its shares are fixed.",
                {"need_id": self.need_id, "status": self.status.value},
            )

    def join(
        self,
        unit_id: str,
        quantity: Decimal,
        budget_amount: Decimal,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        """Add the unit's share; a unit that has one already replaces it."""
        self._check_open()
        if timestamp > self.join_until:
            raise DomainError(
                "joining_closed",
                f"Joining closed at {self.join_until.isoformat()}.",
                {"join_until": self.join_until.isoformat()},
            )
        shares = {**self.shares, unit_id: Share(unit_id, quantity, budget_amount)}
        self._joined(
            unit_id,
            str(quantity),
            str(budget_amount),
            unit_id in self.shares,
            str(sum((s.quantity for s in shares.values()), Decimal(0))),
            len(shares),
            actor,
            timestamp,
        )

    def withdraw(self, unit_id: str, actor: Actor, timestamp: datetime) -> None:
        """A member leaves the pool, before its launch only."""
        self._check_open()
        if unit_id not in self.shares:
            raise RecordNotFound(
                "not_found",
                f"{unit_id!r} has no share in joint procurement {self.id!r}.",
                {"unit_id": unit_id},
            )
        left = self.total_quantity - self.shares[unit_id].quantity
        self._withdrawn(unit_id, str(left), len(self.shares) - 1, actor, timestamp)

    def cancel(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        """The lead calls the pool off before its launch (its members are left to buy alone)."""
        self._check_open()
        self._cancelled(reason, sorted(self.shares), actor, timestamp)

    def check_launchable(self) -> None:
        self._check_open()
        if not self.shares:
            raise DomainError("pool_empty", "No unit has joined: there is nothing to buy.")

    def launch(self, need_id: str, sourcing: str, actor: Actor, timestamp: datetime) -> None:
        """The lead posts one need for the total (`need_id`); joining ends, early or not."""
        self.check_launchable()
        self._launched(
            need_id,
            sourcing,
            str(self.total_quantity),
            str(self.total_budget),
            [_share_record(s) for s in self.shares.values()],
            actor,
            timestamp,
        )

    def record_award(
        self,
        supplier_unit_id: str,
        unit_price: Decimal,
        contracts: list[ShareContract],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        """The pool's need was awarded: the members' contracts at the awarded unit price."""
        if self.status is not PoolStatus.LAUNCHED:
            raise DomainError(
                "pool_not_launched", f"Joint procurement {self.id!r} is {self.status.value}."
            )
        self._awarded(
            self.need_id or "",
            supplier_unit_id,
            str(unit_price),
            [_contract_record(c) for c in contracts],
            actor,
            timestamp,
        )

    # ----- events --------------------------------------------------------------------------

    @event("Joined")
    def _joined(
        self,
        unit_id: str,
        quantity: str,
        budget_amount: str,
        replaced: bool,
        total_quantity: str,
        member_count: int,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.shares[unit_id] = Share(unit_id, Decimal(quantity), Decimal(budget_amount))

    @event("Withdrawn")
    def _withdrawn(
        self,
        unit_id: str,
        total_quantity: str,
        member_count: int,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        del self.shares[unit_id]

    @event("Cancelled")
    def _cancelled(
        self, reason: str, members: list[str], actor: Actor, timestamp: datetime
    ) -> None:
        self.status = PoolStatus.CANCELLED
        self.cancel_reason = reason

    @event("Launched")
    def _launched(
        self,
        need_id: str,
        sourcing: str,
        total_quantity: str,
        budget_amount: str,
        shares: list[dict[str, str]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = PoolStatus.LAUNCHED
        self.need_id = need_id
        self.sourcing = sourcing
        self.launched_at = timestamp

    @event("Awarded")
    def _awarded(
        self,
        need_id: str,
        supplier_unit_id: str,
        unit_price: str,
        contracts: list[dict[str, str]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = PoolStatus.AWARDED
        self.supplier_unit_id = supplier_unit_id
        self.unit_price = Decimal(unit_price)
        self.contracts = {
            c["unit_id"]: ShareContract(
                c["unit_id"], Decimal(c["quantity"]), c["contract_id"], Decimal(c["amount"])
            )
            for c in contracts
        }
