"""The page of one catalog version (`/catalog/versions/{id}`), shared by the route that shows
it and the forms on it (CSV upload, one entry) that answer with it again when refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Level
from marketplace.api.routes.catalog import EntryOut, VersionOut
from marketplace.handlers import catalog
from marketplace.handlers.organisation import chart
from marketplace.portal.catalog_review_page import review_facts, reviews
from marketplace.portal.csv_problems import Problem
from marketplace.portal.i18n import N_
from marketplace.portal.web import Viewer

PAGE = 50  # entries a page
# The states of a version and of its entries, as the page says them.
STATES = {
    "collecting": N_("collecting entries"),
    "published": N_("published for its half-year"),
    "superseded": N_("superseded by a later version"),
    "pending": N_("awaiting review"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}


def states(viewer: Viewer) -> Callable[[str], str]:
    """A state's words in the page's language; an unknown one as the API writes it."""
    return lambda code: viewer._(STATES[code]) if code in STATES else code


@dataclass(frozen=True)
class Shown:
    """Which entries the page lists: one platform's (None: every one's), and which page."""

    platform: str | None = None
    page: int = 1


def shown(viewer: Viewer, version_id: str, which: Shown) -> dict[str, Any]:
    """The version as `GET /v1/catalog/versions/{id}` shows it (any token reads it; 404 for an
    unknown one), a page of its entries, and what the viewer may do: a platform admin submits
    for its own platform's suppliers while the version collects them."""
    svc, principal = viewer.svc, viewer.signed_in
    view = VersionOut.of(catalog.load_version(svc, version_id, reading=True))
    entries = sorted(
        (e for e in view.entries if which.platform in (None, e.platform_unit_id)),
        key=lambda e: (e.platform_unit_id, e.supplier_unit_id, e.item_code, e.entry_id),
    )
    pages = max(1, -(-len(entries) // PAGE))
    page = min(max(1, which.page), pages)
    submits = principal.has(Role.PLATFORM_ADMIN) and principal.unit_id is not None
    taking = view.status == "collecting" and svc.clock() <= view.submission_deadline
    return {
        "version": view,
        "entries": entries[(page - 1) * PAGE : page * PAGE],
        "counts": _counts(entries),
        "platform": which.platform,
        "platforms": sorted({e.platform_unit_id for e in view.entries}),
        "page": page,
        "pages": pages,
        "may_submit": submits and taking,
        "suppliers": _suppliers(viewer, principal.unit_id) if submits and taking else [],
        "own_platform": principal.unit_id if submits else None,
        "state": states(viewer),
        "review": review_facts(viewer, view) if reviews(viewer) else None,
    }


def _counts(entries: list[EntryOut]) -> dict[str, int]:
    found = dict.fromkeys(("pending", "approved", "rejected"), 0)
    for e in entries:
        found[e.status] = found.get(e.status, 0) + 1
    return found


def _suppliers(viewer: Viewer, platform_id: str | None) -> list[str]:
    """The active units a platform submits for (its subtree), to choose from in the form."""
    org = chart(viewer.svc)
    return sorted(
        u.id
        for u in org.units.values()
        if u.active and u.level is not Level.GROUP and org.is_within(u.id, platform_id or "")
    )


async def render(
    viewer: Viewer,
    version_id: str,
    status: int = 200,
    *,
    which: Shown | None = None,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    problems: list[Problem] | None = None,
    form: str | None = None,
) -> Response:
    """The version's page; after a refusal, the `form` ("csv", "entry", or HQ's "bulk",
    "publish", "reject-<entry id>") with what was wrong: the CSV's `problems` line by line, the
    form as typed with its field `errors`."""
    facts = await run_in_threadpool(shown, viewer, version_id, which or Shown())
    return viewer.render(
        "catalog/versions/detail.html",
        status,
        **facts,
        values=values or {},
        errors=errors or {},
        refused=refused,
        problems=problems,
        form=form,
    )
