"""The paging query of every list (`limit`, `cursor`) and the answer's `next_cursor`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from marketplace.inputs import CURSOR_PATTERN
from marketplace.projections.pages import DEFAULT_LIMIT, MAX_PAGE, PageRequest, page_after


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


T = TypeVar("T")


def page_of(
    name: str, items: Sequence[T], key: Callable[[T], str], page: PageRequest
) -> tuple[list[T], str | None]:
    """A page of a list computed whole (figures per key, a unit's tokens): the items on it,
    in the list's order, and the cursor to the next; `key` names each item uniquely."""
    on_page, next_cursor = page_after(name, [key(item) for item in items], page)
    return list(items[on_page]), next_cursor
