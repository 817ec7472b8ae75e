"""The organisation chart's pages: the tree of `/units` from the directory read model, and one
unit's page (`/units/{id}`) with its restructuring forms and its tokens, shared by the routes
that show it and the forms on it that answer with it again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.api.routes.units import UnitOut
from marketplace.handlers import tokens, units
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.tokens import IssuedToken
from marketplace.portal import decisions
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.web import Viewer
from marketplace.projections import directory

# The chart's codes as the API writes them.
WORDS = {
    "group": N_("group"),
    "platform": N_("platform"),
    "enterprise": N_("enterprise"),
    "active": N_("operating"),
    "deactivated": N_("deactivated"),
}
# The demo's and CONTRACT.md's sector codes; sectors are free strings, others show as written.
SECTORS = {
    "group": N_("group headquarters"),
    "power": N_("power"),
    "heat": N_("heating"),
    "coal_chemical": N_("coal chemicals"),
    "real_estate": N_("real estate"),
    "engineering": N_("engineering"),
    "services": N_("shared services"),
}
ROLES = tuple(r.value for r in Role)


def word(code: str, _: Translator) -> str:
    return _(WORDS[code]) if code in WORDS else code


def sector(code: str, _: Translator) -> str:
    return _(SECTORS[code]) if code in SECTORS else code


@dataclass
class Node:
    """One unit of the tree with its subordinates, as the directory lists them."""

    unit: dict[str, Any]
    children: list[Node] = field(default_factory=list)


async def directory_rows(viewer: Viewer, **filters: Any) -> list[dict[str, Any]]:
    """The directory's units in id order (the read model `GET /v1/units` reads)."""
    reader = await viewer.runtime.reader(directory.PROJECTION.name)
    return await directory.list_units(reader, **filters)


def tree(rows: list[dict[str, Any]]) -> list[Node]:
    """The rows as a forest: the group (and any unit whose parent is not listed) at the top."""
    nodes = {r["id"]: Node(r) for r in rows}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.unit["parent_id"] or "")
        (parent.children if parent else roots).append(node)
    return roots


def _shown(viewer: Viewer, unit_id: str) -> dict[str, Any]:
    """The unit as `GET /v1/units/{id}` shows it (404 when unknown), its parent, and its tokens
    as `GET /v1/tokens` lists them to this token (None when the token may not list them)."""
    svc, principal = viewer.svc, viewer.signed_in
    unit = UnitOut.of(units.get_unit(svc, unit_id))
    parent = UnitOut.of(units.get_unit(svc, unit.parent_id)) if unit.parent_id else None
    try:
        issued = tokens.list_tokens(svc, principal, unit_id)
    except Forbidden:
        issued = None
    return {"unit": unit, "parent": parent, "tokens": issued}


async def render(
    viewer: Viewer,
    unit_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
    issued: IssuedToken | None = None,
) -> Response:
    """The unit's page; after a refusal, with the `form` as typed and what was wrong with it;
    after a token is issued, with its secret this once (never kept, never cached)."""
    facts = await run_in_threadpool(_shown, viewer, unit_id)
    unit: UnitOut = facts["unit"]
    rows = await directory_rows(viewer)
    decided = await decisions.of_unit(viewer, unit_id)
    current = {
        "name": unit.name,
        "parent_id": unit.parent_id or "",
        "sector": unit.sector,
        "roles": [],
        "label": "",
        "expires_at": "",
    }
    _ = viewer._
    answer = viewer.render(
        "units/detail.html",
        status,
        **facts,
        children=[r for r in rows if r["parent_id"] == unit_id],
        parents=[(r["id"], f"{r['id']} · {r['name']}") for r in rows if r["id"] != unit_id],
        sectors=sorted({r["sector"] for r in rows}),
        role_choices=ROLES,  # not `roles`: the layout sets that name
        values=current | dict(values or {}),
        errors=errors or {},
        refused=refused,
        form=form,
        issued=issued,
        decisions=decided,
        may_restructure=viewer.signed_in.has(Role.HQ_ADMIN),
        word=lambda code: word(code, _),
        sector=lambda code: sector(code, _),
    )
    if issued is not None:
        answer.headers["Cache-Control"] = "no-store"  # the secret stays in no cache
    return answer
