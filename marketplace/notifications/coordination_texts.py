"""The facts that fill the coordination notifications' texts: meetings, minutes, action items,
meeting requests and exchange visits (texts.py renders them with texts.toml's wording)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Facts(Protocol):
    """What texts.py hands a filler: the payload, and words and times in the reader's language."""

    @property
    def p(self) -> Any: ...

    def term(self, code: str, **values: str) -> str: ...

    def moment(self, when: Any) -> str: ...


def _meeting_scheduled(f: Facts) -> dict[str, str]:
    return {
        "kind": f.term(f"{f.p.kind}_meeting"),
        "half_year": f.p.half_year,
        "when": f.moment(f.p.scheduled_for),
        "agenda": f.term("separator").join(f.p.agenda),
    }


def _minutes_recorded(f: Facts) -> dict[str, str]:
    """How much was decided, not what: the attendees read the minutes on the meeting's page."""
    return {
        "decisions": str(len(f.p.decisions)),
        "items": str(sum(len(d.action_items) for d in f.p.decisions)),
    }


def _visit_planned(f: Facts) -> dict[str, str]:
    return {
        "host": f.p.host_unit_id,
        "visitors": f.term("separator").join(f.p.visitor_unit_ids),
        "when": f.moment(f.p.planned_for),
        "topic": f.p.topic,
    }


COORDINATION: dict[str, Callable[[Facts], dict[str, str]]] = {
    "marketplace.meeting.scheduled.v1": _meeting_scheduled,
    "marketplace.meeting.minutes_recorded.v1": _minutes_recorded,
    "marketplace.action_item.assigned.v1": lambda f: {
        "meeting": f.p.meeting_id,
        "due": f.p.due.isoformat(),
        "text": f.p.text,
    },
    "marketplace.meeting_request.filed.v1": lambda f: {
        "platform": f.p.platform_unit_id,
        "matter": f.p.matter,
    },
    "marketplace.meeting_request.accepted.v1": lambda f: {
        "meeting": f.p.meeting_id,
        "when": f.moment(f.p.scheduled_for),
    },
    "marketplace.meeting_request.declined.v1": lambda f: {"reason": f.p.reason},
    "marketplace.visit.planned.v1": _visit_planned,
    "marketplace.visit.held.v1": lambda f: {"outcome": f.p.outcome, "leads": str(len(f.p.leads))},
    "marketplace.visit.cancelled.v1": lambda f: {"reason": f.p.reason},
}
