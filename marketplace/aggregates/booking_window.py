"""The time arithmetic of bookings: a window's length in its resource's unit (whole hours, days
or months of the group's time zone) and how much of a resource is booked over a span of time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from itertools import pairwise

UOMS = ("hour", "day", "month")
_HOUR = 3600


class WindowError(ValueError):
    """A window its resource cannot be booked for (`field`: the bound at fault): bad input,
    answered as a 422 naming the field, not a rule's 409."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _on_the_hour(moment: datetime) -> bool:
    return (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


def duration_in(uom: str, start: datetime, end: datetime, zone: tzinfo) -> int:
    """How many `uom` the window [start, end) lasts; its bounds must fall on the unit's
    boundaries in `zone` (a whole hour; midnight; midnight of a month's first day)."""
    if end.astimezone(UTC) <= start.astimezone(UTC):
        raise WindowError("to", "A booking ends after it starts.")
    first, last = start.astimezone(zone), end.astimezone(zone)
    if uom == "hour":
        for field, moment in (("from", first), ("to", last)):
            if not _on_the_hour(moment):
                raise WindowError(field, "A resource booked by the hour is booked in whole hours.")
        # In UTC: Python subtracts two times of one zone object by their wall clocks.
        elapsed = end.astimezone(UTC) - start.astimezone(UTC)
        hours, rest = divmod(int(elapsed.total_seconds()), _HOUR)
        if rest:  # a zone whose offset changes by less than an hour
            raise WindowError("to", "A resource booked by the hour is booked in whole hours.")
        return hours
    if uom == "day":
        for field, moment in (("from", first), ("to", last)):
            if not _on_the_hour(moment) or moment.hour:
                raise WindowError(
                    field, "A resource booked by the day is booked from midnight to midnight."
                )
        return (last.date() - first.date()).days
    if uom == "month":
        for field, moment in (("from", first), ("to", last)):
            if not _on_the_hour(moment) or moment.hour or moment.day != 1:
                raise WindowError(
                    field, "A resource booked by the month is booked from a month's first day."
                )
        return (last.year - first.year) * 12 + last.month - first.month
    raise WindowError("uom", f"No unit of time {uom!r}; one of {', '.join(UOMS)}.")


@dataclass(frozen=True)
class Stretch:
    """A stretch of time [start, end) and the quantity booked all through it."""

    start: datetime
    end: datetime
    booked: Decimal


Window = tuple[datetime, datetime, Decimal]  # a booking's start, end and quantity


def usage(windows: Iterable[Window], start: datetime, end: datetime) -> list[Stretch]:
    """[start, end) cut where a booking begins or ends, each stretch with the quantity booked
    over it (zero where nothing is), neighbours of equal quantity joined."""
    inside = [(max(s, start), min(e, end), q) for s, e, q in windows if s < end and e > start]
    cuts = sorted({start, end, *(s for s, _, _ in inside), *(e for _, e, _ in inside)})
    stretches: list[Stretch] = []
    for a, b in pairwise(cuts):
        booked = sum((q for s, e, q in inside if s <= a and e >= b), Decimal(0))
        if stretches and stretches[-1].booked == booked:
            stretches[-1] = Stretch(stretches[-1].start, b, booked)
        else:
            stretches.append(Stretch(a, b, booked))
    return stretches
