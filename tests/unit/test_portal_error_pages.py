"""A page's last line of defence: a store out of reach is a 503 page (never the API's JSON),
an unexpected error a 500 page, each in the reader's language."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from marketplace.portal.web import PageRoute


def page_raising(exc: Exception) -> TestClient:
    router = APIRouter(route_class=PageRoute)

    @router.get("/page")
    def page() -> None:
        raise exc

    app = FastAPI()
    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "exc", [sqlite3.OperationalError("database is locked"), ConnectionRefusedError("refused")]
)
def test_a_store_out_of_reach_is_a_503_page_with_retry_after(exc: Exception) -> None:
    answer = page_raising(exc).get("/page", headers={"accept-language": "en"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"].startswith("text/html")
    assert "Try again in a few seconds." in answer.text


def test_an_unexpected_error_is_a_500_page_in_chinese() -> None:
    answer = page_raising(sqlite3.OperationalError("no such table: x")).get("/page")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "出错了" in answer.text and "no such table" not in answer.text
