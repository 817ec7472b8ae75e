"""Transitional: `api/app.py` still registers `lists.router`, which now only carries the
`/v1/quality-incidents` routes (routes/quality_incidents.py); every other list moved beside its
records. Once app.py includes `quality_incidents.router` itself, this module goes."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace.api.routes import quality_incidents

router = APIRouter()
router.include_router(quality_incidents.router)
