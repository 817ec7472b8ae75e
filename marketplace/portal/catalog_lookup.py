"""The new-need form's item lookup: the catalog search read model by item code or name."""

from __future__ import annotations

import re
from typing import Any

from marketplace.handlers import catalog
from marketplace.handlers.ports import ReadModels, Services
from marketplace.inputs import ITEM_CODE_PATTERN, find_control_character
from marketplace.projections.pages import PageRequest

HITS = 20


async def find(svc: Services, models: ReadModels, text: str) -> list[dict[str, Any]]:
    """Entries in force whose code is `text` (any case) or whose name holds it."""
    text = text.strip()[:100]
    if not text or find_control_character(text, line_breaks=False):
        return []
    page = PageRequest(limit=HITS)
    found: list[dict[str, Any]] = []
    code = text.upper()
    if re.fullmatch(ITEM_CODE_PATTERN, code):
        found += (await catalog.search_entries(svc, models, page, None, item_code=code)).items
    found += (await catalog.search_entries(svc, models, page, None, q=text)).items
    return list({h["entry_id"]: h for h in reversed(found)}.values())[::-1]


async def suppliers(svc: Services, models: ReadModels, item_code: str) -> list[dict[str, Any]]:
    """The catalog suppliers a need for `item_code` would be matched to now."""
    if not re.fullmatch(ITEM_CODE_PATTERN, item_code):
        return []
    page = PageRequest(limit=200)
    return list((await catalog.search_entries(svc, models, page, None, item_code=item_code)).items)
