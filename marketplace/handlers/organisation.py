"""The organisation chart as every use case reads it: load it, require it, require a unit active."""

from __future__ import annotations

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import ORGANISATION_ID, Organisation
from marketplace.handlers.errors import NotFound
from marketplace.handlers.ports import Services


def load_organisation(svc: Services) -> Organisation | None:
    """The chart for reading (shared, never changed), or None before the first unit."""
    return svc.store.view(ORGANISATION_ID, Organisation)


def chart(svc: Services) -> Organisation:
    """The chart; a 404 before the first unit is registered."""
    org = load_organisation(svc)
    if org is None:
        raise NotFound("The organisation has no units yet.")
    return org


def active_unit(org: Organisation, unit_id: str) -> None:
    """Refuse a deactivated unit (`409 unit_inactive`)."""
    if not org.get(unit_id).active:
        raise DomainError(
            "unit_inactive", f"Unit {unit_id!r} is deactivated.", {"unit_id": unit_id}
        )
