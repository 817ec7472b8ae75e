"""What the shared-resource pages show beside the API's bodies: the words of their codes, the
span a calendar covers, and which booking the signed-in unit may act on and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.handlers.resources import CALENDAR_DAYS
from marketplace.portal.i18n import N_
from marketplace.portal.web import Viewer

WORDS = {
    "equipment": N_("equipment"),
    "facility": N_("facility"),
    "land": N_("land"),
    "staff": N_("staff secondment"),
    "capacity": N_("production capacity"),
    "hour": N_("hour"),
    "day": N_("day"),
    "month": N_("month"),
    "listed": N_("open for booking"),
    "withdrawn": N_("withdrawn"),
    "booked": N_("booked"),
    "handed_over": N_("handed over"),
    "returned": N_("returned"),
    "cancelled": N_("cancelled"),
    "minor": N_("minor"),
    "major": N_("major"),
    "critical": N_("critical"),
}
UOMS = ("hour", "day", "month")
SEVERITIES = ("minor", "major", "critical")
# A handler's own field checks (InvalidField types), said beside the field.
FIELD_CHECKS = {
    "booking_window": N_(
        "Book whole units of time: whole hours, days from midnight, months from the first."
    ),
    "in_past": N_("This window is over already."),
    "before_start": N_("The end must come after the start."),
}


def word(code: str, viewer: Viewer) -> str:
    return viewer._(WORDS[code]) if code in WORDS else code


def choices(codes: tuple[str, ...], viewer: Viewer) -> list[tuple[str, str]]:
    return [(code, word(code, viewer)) for code in codes]


def span(viewer: Viewer, first: str | None, last: str | None) -> tuple[datetime, datetime]:
    """The calendar's days [first, last) in the group's time zone; by default CALENDAR_DAYS
    from today (a day that does not parse is left to the default)."""
    zone = viewer.svc.zone

    def parsed(text: str | None) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    start = parsed(first) or viewer.svc.today()
    end = parsed(last)
    if end is None or end <= start:
        end = start + timedelta(days=CALENDAR_DAYS)
    return datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)


@dataclass(frozen=True)
class Acts:
    """What the signed-in unit may do on a booking."""

    hand_over: bool
    take_back: bool
    cancel: bool

    @property
    def any(self) -> bool:
        return self.hand_over or self.take_back or self.cancel


def acts(viewer: Viewer, resource: SharedResource) -> dict[str, Acts]:
    """Per booking the signed-in unit may act on: the owner's side hands over; either side
    records the return, or cancels before the window starts."""
    org, principal, now = chart(viewer.svc), viewer.signed_in, viewer.svc.clock()
    owner = acts_for(principal, resource.owner_unit_id, org)
    found = {}
    for b in resource.bookings.values():
        side = owner or acts_for(principal, b.unit_id, org)
        can = Acts(
            hand_over=owner and b.status == "booked",
            take_back=side and b.status == "handed_over",
            cancel=side and b.status == "booked" and now < b.starts_at,
        )
        if can.any:
            found[b.booking_id] = can
    return found


def may_book(viewer: Viewer, resource: SharedResource) -> bool:
    """Those who book for a unit, while the resource is listed; not the owner's own operator
    (a unit does not book what it owns), though its platform's admin and HQ book for others."""
    principal = viewer.signed_in
    if principal.has(Role.PLATFORM_ADMIN, Role.HQ_ADMIN):
        acting = True
    else:
        acting = principal.has(Role.UNIT_OPERATOR) and principal.unit_id != resource.owner_unit_id
    return acting and resource.status == "listed"


def owns(viewer: Viewer, resource: SharedResource) -> bool:
    return acts_for(viewer.signed_in, resource.owner_unit_id, chart(viewer.svc))
