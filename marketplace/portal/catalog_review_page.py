"""HQ's review desk on a catalog version's page: the pending entries grouped by platform and
category, and the version's difference from the one in force (added, removed, price changed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from marketplace.aggregates.access_token import Role
from marketplace.api.routes.catalog import EntryOut, VersionOut
from marketplace.handlers import catalog
from marketplace.portal.web import Viewer

# The queue shows this many pending entries at most (every group still counts them all):
# a page of thousands of forms helps nobody; what is reviewed leaves the queue.
QUEUE_SHOWN = 200


class Entry(Protocol):
    """What the diff and the queue read of an entry (the API's `EntryOut` has it)."""

    @property
    def platform_unit_id(self) -> str: ...
    @property
    def supplier_unit_id(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def item_code(self) -> str: ...
    @property
    def reference_price(self) -> str | None: ...
    @property
    def status(self) -> str: ...


@dataclass
class Group:
    """The pending entries of one platform in one category; `count` counts them all, `entries`
    holds those the page shows."""

    platform: str
    category: str
    count: int = 0
    entries: list[Any] = field(default_factory=list)


def queue(entries: Iterable[Entry], shown: int = QUEUE_SHOWN) -> list[Group]:
    """The pending entries by (platform, category), in that order, each group counted whole;
    the first `shown` entries of the order are listed."""
    pending = sorted(
        (e for e in entries if e.status == "pending"),
        key=lambda e: (e.platform_unit_id, e.category, e.supplier_unit_id, e.item_code),
    )
    groups: dict[tuple[str, str], Group] = {}
    for n, e in enumerate(pending):
        group = groups.setdefault(
            (e.platform_unit_id, e.category), Group(e.platform_unit_id, e.category)
        )
        group.count += 1
        if n < shown:
            group.entries.append(e)
    return list(groups.values())


@dataclass(frozen=True)
class Diff:
    """Entries keyed by (supplier, item code): in this version only, in force only, and in
    both with another reference price (as `(in force, this version)` pairs)."""

    added: list[Any]
    removed: list[Any]
    changed: list[tuple[Any, Any]]


def _price(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def diff(entries: Iterable[Entry], in_force: Iterable[Entry]) -> Diff:
    """What publishing `entries` would change against the version `in_force`; a rejected entry
    will not be published, so it counts as absent. Prices compare as numbers (45 = 45.00)."""

    def keyed(found: Iterable[Entry]) -> dict[tuple[str, str], Entry]:
        return {(e.supplier_unit_id, e.item_code): e for e in found if e.status != "rejected"}

    new, old = keyed(entries), keyed(in_force)
    return Diff(
        added=[new[k] for k in sorted(new.keys() - old.keys())],
        removed=[old[k] for k in sorted(old.keys() - new.keys())],
        changed=[
            (old[k], new[k])
            for k in sorted(new.keys() & old.keys())
            if _price(old[k].reference_price) != _price(new[k].reference_price)
        ],
    )


def reviews(viewer: Viewer) -> bool:
    """HQ reviews and publishes; the handlers refuse anyone else whatever the page shows."""
    return viewer.signed_in.has(Role.HQ_ADMIN)


def review_facts(viewer: Viewer, view: VersionOut) -> dict[str, Any]:
    """HQ's part of the version's page: the queue, and the diff unless this is in force."""
    svc = viewer.svc
    current = catalog.find_version_in_force(svc, svc.clock())
    in_force = VersionOut.of(current, approved_only=True) if current else None
    is_current = in_force is not None and in_force.id == view.id
    entries: list[EntryOut] = view.entries
    return {
        "queue": queue(entries),
        "pending": sum(1 for e in entries if e.status == "pending"),
        "in_force": in_force,
        "changes": None if is_current else diff(entries, in_force.entries if in_force else []),
        "collecting": view.status == "collecting",
    }
