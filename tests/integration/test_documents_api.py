"""Technical documents over HTTP on both stores (SQLite + a folder, PostgreSQL + large
objects): real files in, the same bytes out, content judged by its bytes, 20 MB refused while
streaming, the same bytes kept once, and a product's documents kept across catalog versions."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import build_api, build_services
from marketplace.demo import seed_demo
from marketplace.handlers.ports import Services
from marketplace.settings import Settings
from tests.conftest import POSTGRES_URL, drop_schemas, require_postgres
from tests.integration.api_app import ADMIN_TOKEN
from tests.integration.api_world import bearer
from tests.integration.documents_files import elf_executable, png_image, tiny_pdf, xlsx_workbook

pytestmark = pytest.mark.both_stores
MB = 1024 * 1024


@dataclass
class Api:
    client: TestClient
    svc: Services
    settings: Settings
    tokens: dict[tuple[str, str], str]
    schema: str | None

    def auth(self, unit_id: str, role: str = "unit_operator") -> dict[str, str]:
        return bearer(self.tokens[(unit_id, role)])

    def blob_count(self) -> int:
        if self.schema is None:
            root = self.settings.documents_path
            return sum(1 for p in root.glob("??/*") if p.is_file())
        with psycopg.connect(POSTGRES_URL) as conn:
            row = conn.execute(f"SELECT count(*) FROM {self.schema}.document_blobs").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir = tmp_path_factory.mktemp("documents")
    values: dict[str, Any] = {"data_dir": data_dir, "admin_token": ADMIN_TOKEN}
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        values |= {"database_url": POSTGRES_URL, "database_schema": schema}
        values |= {"document_store": "postgres"}
    settings = Settings(**values)
    svc = build_services(settings)
    try:
        issued = seed_demo(svc)
        tokens = {(t.unit_id, str(r)): t.token for t in issued for r in t.roles}
        with TestClient(build_api(settings, svc)) as client:
            yield Api(client, svc, settings, tokens, schema)
    finally:
        svc.store.close()
        if schema:
            _unlink_large_objects(schema)
            drop_schemas(schema)


def _unlink_large_objects(schema: str) -> None:
    """Large objects belong to the database, not the schema: removed before it is dropped."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"SELECT lo_unlink(object) FROM {schema}.document_blobs")


def entry_id(api: Api, supplier: str = "HEAT-02", item: str = "STEAM-LP") -> str:
    found = api.client.get(
        "/v1/catalog/search",
        params={"item_code": item, "supplier_unit_id": supplier},
        headers=api.auth("HQ", "hq_admin"),
    )
    assert found.status_code == 200, found.text
    value = found.json()["items"][0]["entry_id"]
    assert isinstance(value, str)
    return value


def upload(
    api: Api,
    entry: str,
    content: bytes,
    name: str = "file.pdf",
    who: tuple[str, str] = ("HEAT-02", "unit_operator"),
    sent_type: str = "application/pdf",
    **fields: str,
) -> Any:
    return api.client.post(
        f"/v1/catalog/entries/{entry}/documents",
        files={"file": (name, content, sent_type)},
        data=fields,
        headers=api.auth(*who),
    )


def test_a_pdf_comes_back_byte_for_byte(api: Api) -> None:
    pdf = tiny_pdf("Steam LP datasheet, revision 2")
    answer = upload(api, entry_id(api), pdf, "Datenblatt Dampf ü.pdf", kind="datasheet")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["size"] == len(pdf) and body["media_type"] == "application/pdf"
    got = api.client.get(f"/v1/documents/{body['document_id']}", headers=api.auth("COAL-02"))
    assert got.status_code == 200
    assert got.content == pdf
    assert hashlib.sha256(got.content).hexdigest() == body["sha256"]
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Datenblatt Dampf u.pdf"')
    assert "filename*=UTF-8''Datenblatt%20Dampf%20%C3%BC.pdf" in disposition


def test_a_png_from_the_platform_admin_and_an_office_file(api: Api) -> None:
    png = png_image()
    answer = upload(api, entry_id(api), png, "drawing.bin", ("HEAT", "platform_admin"), "x/y")
    assert answer.status_code == 201, answer.text
    assert answer.json()["media_type"] == "image/png"
    xlsx = upload(api, entry_id(api), xlsx_workbook(), "sheet.pdf")
    assert xlsx.status_code == 201, xlsx.text
    assert xlsx.json()["media_type"].endswith("spreadsheetml.sheet")
    text = upload(api, entry_id(api), "压力 0.8 MPa\n".encode(), "notes.exe", sent_type="x/y")
    assert text.json()["media_type"] == "text/plain; charset=utf-8"


def test_an_executable_named_pdf_is_refused(api: Api) -> None:
    before = api.blob_count()
    answer = upload(api, entry_id(api), elf_executable(), "datasheet.pdf")
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"]["code"] == "unsupported_media_type"
    not_a_workbook = upload(api, entry_id(api), b"PK\x03\x04" + b"\x00" * 100, "a.xlsx")
    assert not_a_workbook.status_code == 415
    with_nul = upload(api, entry_id(api), b"text\x00with a NUL", "a.txt")
    assert with_nul.status_code == 415
    assert api.blob_count() == before


def test_the_same_bytes_are_kept_once(api: Api) -> None:
    pdf = tiny_pdf(f"Certificate {uuid.uuid4().hex}")
    before = api.blob_count()
    first = upload(api, entry_id(api), pdf, "cert.pdf", kind="certificate")
    second = upload(api, entry_id(api), pdf, "cert-copy.pdf", ("HEAT", "platform_admin"))
    assert first.status_code == second.status_code == 201
    assert first.json()["document_id"] != second.json()["document_id"]
    assert first.json()["sha256"] == second.json()["sha256"]
    assert api.blob_count() == before + 1
    for answer in (first, second):
        got = api.client.get(
            f"/v1/documents/{answer.json()['document_id']}", headers=api.auth("HEAT-01")
        )
        assert got.content == pdf


def test_who_may_attach(api: Api) -> None:
    pdf = tiny_pdf("refused")
    entry = entry_id(api)
    for who in (("HQ", "hq_admin"), ("COAL", "platform_admin"), ("HEAT-01", "unit_operator")):
        answer = upload(api, entry, pdf, who=who)
        assert answer.status_code == 403, (who, answer.text)
    assert upload(api, "ent_nonexistent", pdf).status_code == 404
    assert (
        api.client.get("/v1/documents/doc_nonexistent", headers=api.auth("HEAT-01")).status_code
        == 404
    )
    assert api.client.get(f"/v1/catalog/entries/{entry}/documents").status_code == 401


def test_bad_uploads_are_422_naming_the_field(api: Api) -> None:
    entry, path = entry_id(api), f"/v1/catalog/entries/{entry_id(api)}/documents"
    auth = api.auth("HEAT-02")
    missing = api.client.post(path, data={"title": "x"}, headers=auth)
    wrong_name = api.client.post(path, files={"document": ("a.pdf", tiny_pdf("x"))}, headers=auth)
    empty = upload(api, entry, b"", "empty.pdf")
    bad_kind = upload(api, entry, tiny_pdf("x"), kind="brochure")
    for answer in (missing, wrong_name, empty, bad_kind):
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "invalid_request"
    for answer in (missing, wrong_name, empty):
        assert [d["field"] for d in answer.json()["error"]["details"]] == ["file"], answer.text
    assert empty.json()["error"]["details"][0]["type"] == "empty_file"
    assert [d["field"] for d in bad_kind.json()["error"]["details"]] == ["kind"]


def _body_of(size: int, boundary: str) -> Iterator[bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    yield head
    chunk = b"0" * (256 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def _post_streaming(
    api: Api, path: str, chunks: Iterator[bytes], headers: dict[str, str]
) -> tuple[int, bytes, int]:
    """POST through the app's ASGI interface a chunk at a time, as a server hands a body
    over (the test client would read the whole body first); the status, the body, and how
    many of the body's bytes the app took before answering."""
    sent = 0
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "app": api.client.app,
    }

    async def call() -> None:
        await api.client.app(scope, receive, send)  # type: ignore[arg-type]

    assert api.client.portal is not None
    api.client.portal.call(call)
    return answer["status"], answer["body"], sent


def test_25_mb_is_refused_while_streaming_without_being_held(api: Api) -> None:
    path = f"/v1/catalog/entries/{entry_id(api)}/documents"
    boundary = "b" + uuid.uuid4().hex
    headers = api.auth("HEAT-02") | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    before = api.blob_count()
    tracemalloc.start()
    try:
        status, body, taken = _post_streaming(api, path, _body_of(25 * MB, boundary), headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # Refused at the limit: the rest of the body was never read, and none of it held.
    assert taken <= 20 * MB + 64 * 1024 + 256 * 1024 < 25 * MB
    assert peak < 4 * MB, f"the upload was held in memory: peak {peak} bytes"
    assert api.blob_count() == before
    declared = api.client.post(
        path, content=b"", headers=headers | {"Content-Length": str(25 * MB)}
    )
    assert declared.status_code == 413


def test_just_over_20_mb_of_file_is_refused_and_other_routes_keep_1_mb(api: Api) -> None:
    pdf = b"%PDF-1.4\n" + b"0" * (20 * MB - 8)  # 1 byte over, inside the body's framing margin
    answer = upload(api, entry_id(api), pdf, "big.pdf")
    assert answer.status_code == 413, answer.text
    need = api.client.post(
        "/v1/needs", content=b"{" + b" " * (2 * MB) + b"}", headers=api.auth("COAL-02")
    )
    assert need.status_code == 413


def test_documents_survive_the_next_catalog_version(api: Api) -> None:
    first_entry = entry_id(api)
    pdf = tiny_pdf(f"Kept across versions {uuid.uuid4().hex}")
    attached = upload(api, first_entry, pdf, "kept.pdf")
    assert attached.status_code == 201
    document_id = attached.json()["document_id"]
    hq, heat = api.auth("HQ", "hq_admin"), api.auth("HEAT", "platform_admin")
    today = api.svc.today()
    start = date(today.year + 1, 1, 1) if today.month > 6 else date(today.year, 7, 1)
    end = (date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)) - timedelta(
        1
    )
    period = f"{start.year}H{1 if start.month == 1 else 2}"
    opened = api.client.post(
        "/v1/catalog/versions",
        json={
            "period": period,
            "effective_from": start.isoformat(),
            "effective_to": end.isoformat(),
            "submission_deadline": (api.svc.clock() + timedelta(days=3)).isoformat(),
        },
        headers=hq,
    )
    assert opened.status_code == 201, opened.text
    version_id = opened.json()["id"]
    entry = {"supplier_unit_id": "HEAT-02", "category": "product", "subcategory": "heat"}
    entry |= {"item_code": "STEAM-LP", "item_name": "Low-pressure process steam", "uom": "t"}
    submitted = api.client.post(
        f"/v1/catalog/versions/{version_id}/submissions", json={"entries": [entry]}, headers=heat
    )
    assert submitted.status_code == 201, submitted.text
    (new_entry,) = submitted.json()["entry_ids"]
    assert new_entry != first_entry
    approved = api.client.post(
        f"/v1/catalog/versions/{version_id}/entries/{new_entry}/approve", headers=hq
    )
    assert approved.status_code == 200, approved.text
    published = api.client.post(f"/v1/catalog/versions/{version_id}/publish", headers=hq)
    assert published.status_code == 200, published.text
    listed = api.client.get(
        f"/v1/catalog/entries/{new_entry}/documents",
        headers=api.auth("COAL-02"),
        params={"limit": 500},
    )
    assert listed.status_code == 200, listed.text
    items = {i["document_id"]: i for i in listed.json()["items"]}
    assert document_id in items
    assert items[document_id]["entry_id"] == first_entry
    assert items[document_id]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert any(i["file_name"] == "steam-lp-datasheet.pdf" for i in items.values())  # the demo's
    got = api.client.get(f"/v1/documents/{document_id}", headers=api.auth("COAL-02"))
    assert got.content == pdf
    other = api.client.get(
        f"/v1/catalog/entries/{entry_id(api, 'HEAT-01', 'HOT-WATER')}/documents",
        headers=api.auth("COAL-02"),
    )
    assert other.json()["items"] == []


def test_a_retried_upload_with_its_idempotency_key_has_one_effect(api: Api) -> None:
    pdf = tiny_pdf(f"Retried {uuid.uuid4().hex}")
    path = f"/v1/catalog/entries/{entry_id(api)}/documents"
    key = api.auth("HEAT-02") | {"Idempotency-Key": f"upload-{uuid.uuid4().hex}"}
    # Each request gets a fresh multipart boundary, as a client's retry would.
    first = api.client.post(path, files={"file": ("r.pdf", pdf)}, headers=key)
    again = api.client.post(path, files={"file": ("r.pdf", pdf)}, headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = api.client.post(path, files={"file": ("r.pdf", pdf + b"\n")}, headers=key)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
