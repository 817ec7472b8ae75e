"""A sweep generated from the app's OpenAPI document, so a new field or parameter is covered
without a new test: control characters, lone surrogates, huge strings, malformed and extreme
decimals, times and days into every request-body field; extremes into every query and path
parameter. Never a 5xx; a 422 naming the field wherever the value is invalid; and nothing
stored by any refused write."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for

Schema = dict[str, Any]
WRITES = ("post", "put", "patch", "delete")

# A query parameter the sweep needs set to probe the others: a valid value by name. A new
# required parameter without one here fails `test_every_required_query_parameter_has_a_value`.
VALID_QUERY = {"unit_id": "COAL", "quarter": "2027Q1", "year": "2027"}

TEXT_VALUES = ["a\u0000b", "a\u001bb", "a\u007fb", "a\u0085b", "a\ud800b", "a\ufffeb", "a\u202eb"]
DECIMAL_VALUES = ["-0", "-0.00", "0", "0.00", "1e3", "\uff11\uff12", " 12 ", "12.5 ", "NaN"]
DECIMAL_VALUES += ["-12", "12.123456", "1" * 30, 12.5, 0, 12, -1, 10**30]
MOMENT_VALUES = [0, 1700000000, 0.5, "1700000000", "0001-01-01T00:00:00Z"]
MOMENT_VALUES += ["9999-12-31T23:59:59Z", "2027-01-01", "2027-01-01T00:00:00"]
DAY_VALUES = [0, 20270101, "0001-01-01", "9999-12-31", "2027-01-01T00:00:00Z", " 2027-01-01"]


@dataclass(frozen=True)
class Leaf:
    """One value-carrying field of a request body: where it is and what it must be."""

    operation: str
    method: str
    path: str
    where: tuple[str | int, ...]
    schema: Schema

    @property
    def kind(self) -> str:
        fmt = self.schema.get("format") or next(
            (s.get("format") for s in self.schema.get("anyOf", []) if s.get("format")), None
        )
        if fmt in ("decimal", "date-time", "date"):
            return str(fmt)
        return "text" if self.schema.get("type") == "string" else "other"

    @property
    def takes_days(self) -> bool:
        """A time that may also be a day (a booking's `from`): a day is no wrong value for it."""
        return any(s.get("format") == "date" for s in self.schema.get("anyOf", []))

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.where)

    def body(self, value: Any) -> Any:
        for step in reversed(self.where):
            value = [value] if isinstance(step, int) else {step: value}
        return value

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} {self.dotted}"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("sweep"))) as served:
        yield served


@pytest.fixture(scope="module")
def api(
    backend: str,
    embedded: InProcessApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[InProcessApi]:
    """Each store: path and query values reach the read models and the event store's queries
    (PostgreSQL refuses a NUL in text where SQLite takes it)."""
    if backend == "sqlite":
        yield embedded
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with serve_in_process(settings_for(tmp_path_factory.mktemp("pg"), schema)) as served:
            yield served
    finally:
        drop_schemas(schema)


@pytest.fixture(scope="module")
def openapi(embedded: InProcessApi) -> Schema:
    document: Schema = embedded.client.get("/openapi.json").json()
    return document


def resolve(schema: Schema, document: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def leaves(
    schema: Schema, document: Schema, where: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Schema]]:
    schema = resolve(schema, document)
    variants = [resolve(s, document) for s in schema.get("anyOf", schema.get("oneOf", []))]
    objects = [v for v in variants if v.get("type") == "object"]
    if objects:  # a union of bodies: sweep each alternative
        for variant in objects:
            yield from leaves(variant, document, where)
        return
    not_null = [v for v in variants if v.get("type") != "null"]
    if variants and len(not_null) == 1:  # an optional field
        yield from leaves(not_null[0], document, where)
        return
    if schema.get("type") == "object":
        for name, child in schema.get("properties", {}).items():
            yield from leaves(child, document, (*where, name))
    elif schema.get("type") == "array":
        yield from leaves(schema["items"], document, (*where, 0))
    else:
        yield where, schema


def body_leaves(document: Schema) -> list[Leaf]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                found += [
                    Leaf(operation["operationId"], method, path, where, leaf)
                    for where, leaf in leaves(schema, document)
                ]
    return found


def published(schema: Schema, value: Any) -> bool:
    """Whether the document itself says `value` is acceptable (by pattern or integer range)."""
    for option in schema.get("anyOf", [schema]):
        kind = option.get("type")
        if kind == "string" and isinstance(value, str) and re.fullmatch(option["pattern"], value):
            return True
        if kind == "integer" and type(value) is int:
            return bool(option.get("minimum", value) <= value <= option.get("maximum", value))
    return False


def concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # /v1/needs/{need_id} → /v1/needs/need_id


def send(api: InProcessApi, method: str, url: str, body: Any = None) -> httpx.Response:
    # json.dumps keeps lone surrogates as \\ud800 escapes and writes NaN; httpx's json= would not.
    content = None if body is None else json.dumps(body).encode()
    headers = api.auth() | ({"content-type": "application/json"} if content else {})
    return api.client.request(method.upper(), url, content=content, headers=headers)


def expect_422_naming(answer: httpx.Response, field: str, context: str) -> None:
    assert answer.status_code == 422, f"{context}: {answer.status_code} {answer.text[:300]}"
    fields = [d["field"] for d in answer.json()["error"]["details"]]
    assert any(f == field or f.endswith(f".{field}") for f in fields), f"{context}: {fields}"


def test_every_body_string_has_a_bounded_length(openapi: Schema) -> None:
    unbounded = [
        str(leaf)
        for leaf in body_leaves(openapi)
        if leaf.kind == "text" and not {"maxLength", "pattern", "enum", "const"} & set(leaf.schema)
    ]
    assert unbounded == []


def test_every_body_field_refuses_what_it_must(embedded: InProcessApi, openapi: Schema) -> None:
    # Bodies are validated before any store is touched: one store suffices.
    api = embedded
    head = api.svc.store.head()
    swept = {"text": 0, "decimal": 0, "date-time": 0, "date": 0}
    for leaf in body_leaves(openapi):
        values: list[Any] = []
        if leaf.kind == "text":
            values = [*TEXT_VALUES, "x" * (leaf.schema.get("maxLength", 100_000) + 1)]
        elif leaf.kind == "decimal":
            values = [v for v in DECIMAL_VALUES if not published(leaf.schema, v)]
        elif leaf.kind in ("date-time", "date"):
            values = MOMENT_VALUES if leaf.kind == "date-time" else DAY_VALUES
            values = [v for v in values if not (leaf.takes_days and v == "2027-01-01")]
        for value in values:
            answer = send(api, leaf.method, concrete(leaf.path), leaf.body(value))
            expect_422_naming(answer, leaf.dotted, f"{leaf} = {value!r}")
        swept[leaf.kind] = swept.get(leaf.kind, 0) + bool(values)
    assert api.svc.store.head() == head, "a refused write stored events"
    # The document must keep describing what the sweep relies on.
    assert swept["text"] > 40 and swept["decimal"] >= 10, swept
    assert swept["date-time"] >= 5 and swept["date"] >= 5, swept


def query_parameters(document: Schema) -> Iterator[tuple[str, str, Schema, list[Schema]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            for param in params:
                yield method, path, param, params


def test_every_required_query_parameter_has_a_value(openapi: Schema) -> None:
    missing = {
        f"{path} {p['name']}"
        for _, path, p, _ in query_parameters(openapi)
        if p.get("required") and p["name"] not in VALID_QUERY
    }
    assert missing == set()


def query_probes(schema: Schema) -> tuple[list[str], list[str]]:
    """(values to refuse with 422, values that may pass but must not break anything)."""
    options = [schema, *schema.get("anyOf", [])]
    types = {s.get("type") for s in options}
    formats = {s.get("format") for s in options}
    invalid = ["a\u0000b", "a\nb", "\u202e"]
    survivable = ["x" * 5000, "'; DROP TABLE events; --", "%", "能源"]
    if "integer" in types:
        invalid += ["9223372036854775808", "-9223372036854775809", "-1", "1e3", "1.5"]
    if "date-time" in formats:
        invalid += ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "0", "1700000000"]
        invalid += ["2027-01-01T00:00:00", "2027-01-01T00:00Z", "2027-13-01T00:00:00Z"]
        survivable += ["1900-01-01T00:00:00+14:00", "2200-12-31T23:59:59-12:00"]
        day = survivable if "date" in formats else invalid
        day += ["2027-01-01", "1900-01-01", "2200-12-31"]
    if "date" in formats:
        invalid += ["0001-01-01", "9999-12-31", "2027-02-30", "2027-1-1"]
    if "boolean" in types:
        invalid += ["maybe"]
    return invalid, survivable


@pytest.mark.both_stores
def test_every_query_parameter_holds_at_its_extremes(api: InProcessApi, openapi: Schema) -> None:
    for method, path, param, params in query_parameters(openapi):
        others = {
            p["name"]: VALID_QUERY[p["name"]]
            for p in params
            if p.get("required") and p["name"] != param["name"]
        }
        invalid, survivable = query_probes(param["schema"])
        for value in invalid + survivable:
            url = httpx.URL(concrete(path), params=others | {param["name"]: value})
            answer = send(api, method, str(url), {} if method in WRITES else None)
            context = f"{method.upper()} {path}?{param['name']}={value[:40]!r}"
            assert answer.status_code < 500, f"{context}: {answer.text[:300]}"
            if value in invalid:
                expect_422_naming(answer, param["name"], context)
        # Raw bytes no client library would send: not UTF-8, or an encoded lone surrogate.
        for raw in ("%FF", "%ED%B2%80"):
            url = f"{concrete(path)}?{param['name']}={raw}"
            answer = send(api, method, url, {} if method in WRITES else None)
            expect_422_naming(answer, param["name"], f"{method.upper()} {url}")


def test_every_operation_refuses_a_query_parameter_it_does_not_take(
    embedded: InProcessApi, openapi: Schema
) -> None:
    for path, operations in openapi["paths"].items():
        for method in operations:
            url = f"{concrete(path)}?limt=5"
            answer = send(embedded, method, url, {} if method in WRITES else None)
            expect_422_naming(answer, "limt", f"{method.upper()} {url}")


@pytest.mark.both_stores
def test_every_path_parameter_refuses_control_characters(
    api: InProcessApi, openapi: Schema
) -> None:
    head = api.svc.store.head()
    for path, operations in openapi["paths"].items():
        names = [n.strip("{}") for n in path.split("/") if n.startswith("{")]
        for method in operations:
            body = {} if method in WRITES else None
            for name in names:
                for value in ("%00", "a%0Ab", "%1B%5B31m", "%C2%85", "%FF"):
                    url = path.replace(f"{{{name}}}", value)
                    for other in names:
                        url = url.replace(f"{{{other}}}", other)
                    expect_422_naming(send(api, method, url, body), name, f"{method} {url}")
                long_id = path.replace(f"{{{name}}}", quote("x" * 5000))
                for other in names:
                    long_id = long_id.replace(f"{{{other}}}", other)
                answer = send(api, method, long_id, body)
                assert answer.status_code < 500, f"{method} {path} long {name}: {answer.text}"
    assert api.svc.store.head() == head
