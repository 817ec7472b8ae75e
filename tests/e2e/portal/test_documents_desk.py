"""Issue 18 in a real browser, a catalog entry's technical documents: the supplier opens its
item from the catalog, sees the demo datasheet, uploads a drawing, is told on the page why an
executable named .pdf is refused; a buyer downloads the datasheet; the page in Chinese too; no
serious accessibility violation on any of them."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations
from tests.integration.documents_files import elf_executable, png_image


def test_a_supplier_attaches_documents_and_a_buyer_reads_them(
    demo: Server, pages: Pages, tmp_path: Path
) -> None:
    drawing, fake = tmp_path / "steam-flow.png", tmp_path / "datasheet.pdf"
    drawing.write_bytes(png_image())
    fake.write_bytes(elf_executable())

    me = pages.signed_in("HEAT-02", "unit_operator")
    me.goto("/catalog?q=Low-pressure")
    me.locator("#catalog-hits a", has_text="Low-pressure process steam").first.click()
    expect(me.get_by_role("heading", name="Technical documents")).to_be_visible()
    expect(me.locator("#document-list")).to_contain_text("Steam LP datasheet")
    pages.shot(me, "documents-entry")
    assert accessibility_violations(me) == []

    me.get_by_label("File").set_input_files(str(fake))
    me.get_by_role("button", name="Upload").click()
    expect(me.locator("#e-file")).to_contain_text("its content was checked")
    pages.shot(me, "documents-refused")
    assert accessibility_violations(me) == []

    me.get_by_label("File").set_input_files(str(drawing))
    me.get_by_label("Title").fill("Steam flow diagram")
    me.get_by_label("Kind").select_option("drawing")
    me.get_by_role("button", name="Upload").click()
    expect(me.locator("#document-list")).to_contain_text("Steam flow diagram")
    entry_page = me.url.split("#")[0]

    buyer = pages.signed_in("COAL-02", "unit_operator")
    buyer.goto(entry_page)
    expect(buyer.locator("#upload-document")).to_have_count(0)
    with buyer.expect_download() as downloading:
        buyer.get_by_role("link", name="Steam LP datasheet").click()
    saved = downloading.value
    assert saved.suggested_filename == "steam-lp-datasheet.pdf"
    assert Path(saved.path()).read_bytes().startswith(b"%PDF-")

    zh = pages.signed_in("HEAT-02", "unit_operator", locale="zh-CN")
    zh.goto(entry_page)
    expect(zh.get_by_role("heading", name="技术资料")).to_be_visible()
    zh.get_by_label("文件").set_input_files(str(fake))
    zh.get_by_role("button", name="上传").click()
    expect(zh.locator("#e-file")).to_contain_text("系统检查的是文件内容")
    pages.shot(zh, "documents-zh")
    assert accessibility_violations(zh) == []
