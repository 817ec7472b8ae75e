"""The page of one dispute (`/disputes/{id}`), its words, and who may take which action on it;
shared by the routes that show it and the forms that answer with it again when refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.api.routes.disputes import DisputeOut
from marketplace.handlers import disputes
from marketplace.handlers.auth import acts_for, speaks_for
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.web import Viewer
from marketplace.portal.wording import label

SUBJECT_TYPES = ("contract", "quality_incident", "need", "tender")
KINDS = ("pricing", "quality", "delivery", "payment", "other")
STATUSES = ("negotiating", "in_mediation", "resolved", "settled", "withdrawn")
OPEN = ("negotiating", "in_mediation")

# The dispute's codes as the API writes them; codes the other pages share are in wording.LABELS.
WORDS = {
    "negotiating": N_("negotiating"),
    "in_mediation": N_("in mediation"),
    "resolved": N_("decided by the mediator"),
    "settled": N_("settled by the parties"),
    "contract": N_("Contract"),
    "need": N_("Need"),
    "tender": N_("Tender"),
    "quality_incident": N_("A quality incident"),
    "pricing": N_("about pricing"),
    "quality": N_("about quality"),
    "delivery": N_("about delivery"),
    "payment": N_("about payment"),
    "other": N_("about another matter"),
    "lowest_common_superior": N_("the parties' lowest common superior"),
    "different_sectors": N_("HQ: the parties are in different sectors"),
    "only_common_superior": N_("their only common superior"),
}
# Where a subject has a page of its own.
SUBJECT_PAGES = {"contract": "/contracts/", "need": "/needs/", "tender": "/tenders/"}


def word(code: str | None, _: Translator) -> str:
    """A dispute's code in the page's language (an unknown one as it is)."""
    if code is None:
        return ""
    return _(WORDS[code]) if code in WORDS else label(code, _)


def subject_link(subject_type: str, subject_id: str) -> str | None:
    page = SUBJECT_PAGES.get(subject_type)
    return f"{page}{subject_id}" if page else None


def shown(viewer: Viewer, dispute_id: str) -> dict[str, Any]:
    """The dispute as the API shows it to this token, and which actions the page offers: the
    handlers decide again when the form is sent, this only spares offering a refused one."""
    svc, principal = viewer.svc, viewer.signed_in
    dispute = disputes.load_dispute(svc, dispute_id, reading=True)
    disputes.may_read(svc, principal, dispute)
    view = DisputeOut.of(dispute)
    org = chart(svc)
    acting = [p for p in dispute.parties if acts_for(principal, p, org)]
    still_open = view.status in OPEN
    stated = dict(dispute.settlement_by)  # party → the settlement it stated, while negotiating
    return {
        "dispute": view,
        "subject_link": subject_link(view.subject_type, view.subject_id),
        "acting": acting if still_open else [],
        "may_mediation": bool(acting) and view.status == "negotiating",
        "may_withdraw": still_open and acts_for(principal, view.raiser_unit_id, org),
        "may_settle": bool(acting) and still_open,
        "may_decide": view.status == "in_mediation"
        and speaks_for(principal, view.mediator_unit_id),
        "stated": stated if still_open else {},
        # The settlement a party may agree to: the other party's words, as they must match.
        "proposal": next((t for p, t in stated.items() if p not in acting), ""),
    }


async def render(
    viewer: Viewer,
    dispute_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    """The dispute's page; after a refusal, with the `form` ("settle", "decide", "mediation",
    "withdraw") as typed and what was wrong with it."""
    facts = await run_in_threadpool(shown, viewer, dispute_id)
    return viewer.render(
        "disputes/detail.html",
        status,
        **facts,
        word=lambda code: word(code, viewer._),
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
    )
