"""`/catalog`: the catalog in force searched by item code or name, category and subcategory, for
every signed-in role (the API's `GET /v1/catalog/search` handler and its search index)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from marketplace.aggregates.taxonomy import CATEGORIES, TAXONOMY, is_known
from marketplace.handlers import catalog
from marketplace.inputs import ITEM_CODE_PATTERN, find_control_character
from marketplace.portal.web import PageRoute, SignedIn, Viewer, query
from marketplace.portal.wording import FIELD_ERRORS
from marketplace.projections.pages import Page, PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
LONGEST = 100  # as the API's `q`


def _kind(request: Request) -> tuple[str | None, str | None]:
    """The category and subcategory asked for, each dropped when the taxonomy has no such one;
    a subcategory alone gets its (first) category, so the form shows what was chosen."""
    category, subcategory = query(request, "category"), query(request, "subcategory")
    if category not in CATEGORIES:
        category = None
    if subcategory is not None and category is None:
        category = next((c.code for c in TAXONOMY if is_known(c.code, subcategory)), None)
    if category is None or subcategory is None or not is_known(category, subcategory):
        subcategory = None
    return category, subcategory


def _text_error(text: str) -> str | None:
    if len(text) > LONGEST:
        return FIELD_ERRORS["string_too_long"]
    if find_control_character(text, line_breaks=False):
        return FIELD_ERRORS["control_character"]
    return None


async def _search(
    viewer: Viewer, text: str, category: str | None, subcategory: str | None, page: PageRequest
) -> Page:
    """By item code when the text is one the catalog holds (any case), else by words of the
    name; decided the same way on every page, so a cursor stays in its list."""
    kinds = {"category": category, "subcategory": subcategory}
    svc, models = viewer.svc, viewer.runtime
    code = text.upper()
    if text and re.fullmatch(ITEM_CODE_PATTERN, code):
        probe = await catalog.search_entries(
            svc, models, PageRequest(limit=1), None, item_code=code, **kinds
        )
        if probe.items:
            return await catalog.search_entries(svc, models, page, None, item_code=code, **kinds)
    return await catalog.search_entries(svc, models, page, None, q=text or None, **kinds)


@router.get("/catalog")
async def catalog_search(viewer: SignedIn, request: Request) -> Response:
    text = (query(request, "q") or "").strip()
    category, subcategory = _kind(request)
    values = {"q": text, "category": category or "", "subcategory": subcategory or ""}
    problem = _text_error(text)
    if problem is not None:
        errors = {"q": viewer._(problem)}
        return viewer.render("catalog/search.html", 422, values=values, errors=errors, found=None)
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await _search(viewer, text, category, subcategory, page)
    more = {k: v for k, v in values.items() if v}
    return viewer.render("catalog/search.html", values=values, errors={}, found=found, more=more)
