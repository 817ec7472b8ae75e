"""How a need's status and open quantity follow from its events: the one rule the aggregate
and every read model that shows needs apply."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class NeedStatus(StrEnum):
    OPEN = "open"
    TENDERING = "tendering"
    AWARDED = "awarded"
    CLOSED_EXTERNAL = "closed_external"
    CANCELLED = "cancelled"


class NeedStep(StrEnum):
    """The need's events that move its status or open quantity (named as its domain events)."""

    POSTED = "Posted"
    AWARDED = "Awarded"
    CANCELLED = "Cancelled"
    TENDER_STARTED = "TenderStarted"
    TENDER_CONCLUDED = "TenderConcluded"
    CLOSED_EXTERNAL = "ClosedExternal"


@dataclass(frozen=True)
class NeedProgress:
    """What a step sets; None leaves it as it was."""

    status: NeedStatus | None
    open_quantity: Decimal | None


def need_progress(
    step: NeedStep, *, quantity: Decimal | None = None, internal: bool = False
) -> NeedProgress:
    """The status and open quantity a need takes on `step`.

    `quantity`: the quantity posted (POSTED) or still open after a purchase outside the group
    (CLOSED_EXTERNAL); `internal`: whether a concluded tender was won inside the group.
    """
    match step:
        case NeedStep.POSTED:
            return NeedProgress(NeedStatus.OPEN, _given(quantity, step))
        case NeedStep.AWARDED:
            # The contract covers all that was still open.
            return NeedProgress(NeedStatus.AWARDED, Decimal(0))
        case NeedStep.CANCELLED:
            return NeedProgress(NeedStatus.CANCELLED, None)
        case NeedStep.TENDER_STARTED:
            return NeedProgress(NeedStatus.TENDERING, None)
        case NeedStep.TENDER_CONCLUDED:
            # Won inside: a contract covers what was open; outside: the winner supplies it.
            status = NeedStatus.AWARDED if internal else NeedStatus.CLOSED_EXTERNAL
            return NeedProgress(status, Decimal(0))
        case NeedStep.CLOSED_EXTERNAL:
            remaining = _given(quantity, step)
            # A partial purchase outside leaves the need open for the rest.
            return NeedProgress(NeedStatus.CLOSED_EXTERNAL if remaining <= 0 else None, remaining)


def _given(quantity: Decimal | None, step: NeedStep) -> Decimal:
    if quantity is None:
        raise ValueError(f"{step.value} needs a quantity")
    return quantity
