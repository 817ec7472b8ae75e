"""Technical documents on the real server: a 25 MB upload streamed in is refused at the limit
with a JSON 413 and the server carries on; a PDF goes in and comes out byte for byte."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx

from tests.e2e.conftest import Server
from tests.integration.documents_files import tiny_pdf

MB = 1024 * 1024


def _entry(demo: Server, token: str) -> str:
    found = httpx.get(
        f"{demo.url}/v1/catalog/search",
        params={"item_code": "STEAM-LP", "supplier_unit_id": "HEAT-02"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    entry: str = found.json()["items"][0]["entry_id"]
    return entry


def _streamed(size: int, boundary: str) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    chunk = b"0" * (256 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_25_mb_upload_is_refused_while_it_streams_in(demo: Server) -> None:
    token = demo.token("HEAT-02", "unit_operator")
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{demo.url}/v1/catalog/entries/{_entry(demo, token)}/documents"
    headers = auth | {"Content-Type": "multipart/form-data; boundary=xyz"}
    try:
        answer = httpx.post(url, content=_streamed(25 * MB, "xyz"), headers=headers, timeout=60)
    except httpx.RemoteProtocolError:
        answer = None  # the server may close before the client is done sending: also a refusal
    if answer is not None:
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "payload_too_large"
    pdf = tiny_pdf("Streamed in after a refusal")
    stored = httpx.post(url, files={"file": ("ok.pdf", pdf)}, headers=auth, timeout=30)
    assert stored.status_code == 201, stored.text
    got = httpx.get(
        f"{demo.url}/v1/documents/{stored.json()['document_id']}", headers=auth, timeout=30
    )
    assert hashlib.sha256(got.content).hexdigest() == stored.json()["sha256"]
    assert got.content == pdf
