"""A 422 says what is wrong in words a client can act on: missing fields named, no regexes."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import marketplace
from marketplace.inputs import PATTERN_WORDS
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("wording"))) as served:
        yield served


def test_a_call_without_its_body_names_every_missing_field(api: InProcessApi) -> None:
    for body in ({}, {"content": b""}):
        answer = api.client.post(
            "/v1/needs",
            headers={**api.auth("COAL-01", "unit_operator"), "content-type": "application/json"},
            **body,  # type: ignore[arg-type]
        )
        assert answer.status_code == 422
        details = answer.json()["error"]["details"]
        missing = {d["field"] for d in details if d["type"] == "missing"}
        assert {"demand_unit_id", "title", "item_code", "quantity", "budget_amount"} <= missing
        assert all(d["location"] == "body" for d in details)


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("/v1/units", {"id": "bad id!", "name": "x", "level": "enterprise"}, "id", "unit id"),
        (
            "/v1/catalog/versions",
            {"period": "2027-1", "effective_from": "2027-01-01", "effective_to": "2027-06-30"},
            "period",
            "half-year",
        ),
    ],
)
def test_a_pattern_error_says_what_is_expected_in_words(
    api: InProcessApi, path: str, body: dict[str, str], field: str, words: str
) -> None:
    answer = api.client.post(path, json=body, headers=api.admin)
    assert answer.status_code == 422
    (detail,) = [d for d in answer.json()["error"]["details"] if d["field"] == field]
    assert words in detail["message"]
    assert "^" not in detail["message"] and "{0," not in detail["message"]


def test_a_malformed_cursor_is_explained(api: InProcessApi) -> None:
    answer = api.client.get(
        "/v1/needs", params={"cursor": "a b"}, headers=api.auth("COAL-01", "unit_operator")
    )
    (detail,) = answer.json()["error"]["details"]
    assert detail["field"] == "cursor" and "next_cursor" in detail["message"]


def test_every_pattern_a_request_is_checked_against_has_words() -> None:
    """Patterns given to pydantic (`pattern=`) in the API's inputs, by the constant's name."""
    source = Path(marketplace.__file__).parent
    files = [source / "inputs.py", *source.glob("api/**/*.py")]
    namespace = vars(__import__("marketplace.inputs", fromlist=["*"]))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "pattern":
                assert isinstance(node.value, ast.Name), f"{path}: name the pattern in inputs.py"
                assert namespace[node.value.id] in PATTERN_WORDS, (path, node.value.id)
