"""Issue 18: a catalog entry's page lists its product's technical documents with download
links; the supplier and its platform admin upload one (multipart, with the CSRF token), and a
refusal (413, 415, 422) is said on the page in the reader's language."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.documents_files import elf_executable, png_image, tiny_pdf
from tests.integration.portal_client import PortalUser, csrf_of, unlabelled_fields

LIMIT = 64 * 1024  # a small limit, so that "too large" is quick to send


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    settings = settings_for(tmp_path_factory.mktemp("portal"), max_document_bytes=LIMIT)
    with serve_in_process(settings) as served:
        yield served


def user(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    browser = PortalUser(api, language=language)
    signed = browser.sign_in(api.tokens[(unit, role)])
    assert signed.status_code == 303
    return browser


def entry_of(api: InProcessApi, supplier: str = "HEAT-02", item: str = "STEAM-LP") -> str:
    found = api.client.get(
        "/v1/catalog/search",
        params={"item_code": item, "supplier_unit_id": supplier},
        headers=api.auth(),
    )
    entry: str = found.json()["items"][0]["entry_id"]
    return entry


def send(browser: PortalUser, entry: str, name: str, content: bytes, **fields: str) -> object:
    page = f"/catalog/entries/{entry}"
    csrf = csrf_of(browser.get(page).text)
    return browser.request(
        "POST",
        f"{page}/documents",
        data={"csrf": csrf, **fields},
        files={"file": (name, content, "application/pdf")},
    )


def test_the_search_leads_to_the_entry_page_and_its_demo_datasheet(api: InProcessApi) -> None:
    reader = user(api, "COAL-02", "unit_operator")
    entry = entry_of(api)
    assert f"/catalog/entries/{entry}" in reader.get("/catalog?q=steam").text
    page = reader.get(f"/catalog/entries/{entry}")
    assert page.status_code == 200
    assert "Steam LP datasheet" in page.text
    assert 'id="upload-document"' not in page.text  # not the supplier: no form
    assert unlabelled_fields(page.text) == []
    link = page.text.split('href="/documents/')[1].split('"')[0]
    got = reader.get(f"/documents/{link}")
    assert got.status_code == 200 and got.content.startswith(b"%PDF-")
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == 'attachment; filename="steam-lp-datasheet.pdf"'
    assert got.headers["x-content-type-options"] == "nosniff"
    api_got = api.client.get(f"/v1/documents/{link}", headers=api.auth("COAL-02", "unit_operator"))
    assert api_got.content == got.content


def test_the_supplier_uploads_and_the_document_is_listed(api: InProcessApi) -> None:
    supplier = user(api, "HEAT-02", "unit_operator")
    entry = entry_of(api)
    page = supplier.get(f"/catalog/entries/{entry}")
    assert 'id="upload-document"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert unlabelled_fields(page.text) == []
    png = png_image()
    done = send(supplier, entry, "flow-diagram.png", png, title="Flow diagram", kind="drawing")
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    shown = supplier.get(f"/catalog/entries/{entry}").text
    assert "Flow diagram" in shown and "image/png" in shown and "Drawing" in shown
    link = shown.split('href="/documents/')[1].split('"')[0]
    got = supplier.get(f"/documents/{link}")
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(png).hexdigest()
    platform = user(api, "HEAT", "platform_admin")
    assert send(platform, entry, "c.pdf", tiny_pdf("cert")).status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "too_large", "unsupported", "empty"),
    [
        ("en", "larger than 64 KB", "its content was checked", "The file is empty."),
        ("zh-CN", "文件大于", "系统检查的是文件内容", "文件为空。"),
    ],
)
def test_refusals_are_said_on_the_page(
    api: InProcessApi, language: str, too_large: str, unsupported: str, empty: str
) -> None:
    supplier = user(api, "HEAT-02", "unit_operator", language)
    entry = entry_of(api)
    before = supplier.get(f"/catalog/entries/{entry}").text.count('href="/documents/')
    refused = send(supplier, entry, "datasheet.pdf", elf_executable())
    assert refused.status_code == 415  # type: ignore[attr-defined]
    assert unsupported in refused.text  # type: ignore[attr-defined]
    nothing = send(supplier, entry, "empty.pdf", b"")
    assert nothing.status_code == 422 and empty in nothing.text  # type: ignore[attr-defined]
    over = send(supplier, entry, "big.pdf", b"%PDF-1.4\n" + b"0" * LIMIT)
    assert over.status_code == 413 and too_large in over.text  # type: ignore[attr-defined]
    far_over = send(supplier, entry, "huge.pdf", b"%PDF-1.4\n" + b"0" * (LIMIT + 128 * 1024))
    assert far_over.status_code == 413 and too_large in far_over.text  # type: ignore[attr-defined]
    after = supplier.get(f"/catalog/entries/{entry}").text.count('href="/documents/')
    assert after == before


def test_others_may_not_upload(api: InProcessApi) -> None:
    entry = entry_of(api)
    for unit, role in (
        ("COAL-02", "unit_operator"),
        ("HQ", "hq_admin"),
        ("COAL", "platform_admin"),
    ):
        other = user(api, unit, role)
        refused = send(other, entry, "a.pdf", tiny_pdf("no"))
        assert refused.status_code == 403, (unit, role)  # type: ignore[attr-defined]
    nobody = PortalUser(api)
    assert nobody.get(f"/catalog/entries/{entry}").status_code == 303
    assert user(api, "COAL-02", "unit_operator").get("/catalog/entries/nope").status_code == 404
