"""The paging query of every list (`limit`, `cursor`) and the answer's `next_cursor`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from marketplace.inputs import CURSOR_PATTERN
from marketplace.projections.pages import DEFAULT_LIMIT, MAX_PAGE, PageRequest


def _page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description=f"Items per page, at most {MAX_PAGE}.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            pattern=CURSOR_PATTERN,
            description="The `next_cursor` of the previous page; omit it for the first page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


PageDep = Annotated[PageRequest, Depends(_page_request)]


class Paged(BaseModel):
    """The part of a list's answer that leads to the next page."""

    next_cursor: str | None = Field(
        description="Pass it as `cursor` to get the next page; null on the last page."
    )
