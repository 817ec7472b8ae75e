"""Technical documents without I/O but a scratch file: the type judged from the bytes, the
document's event, a download's file name made safe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.document import Document
from marketplace.api.downloads import content_disposition, safe_file_name
from marketplace.handlers.document_types import media_type_of
from tests.integration.documents_files import elf_executable, png_image, tiny_pdf, xlsx_workbook
from tests.unit.org_fixtures import ACTOR, at

SHA = "a" * 64


def document_cycle() -> list[Any]:
    """Every public document event."""
    document = Document.attach(
        "doc-1", "e1", "cat-2027H1", "HEAT-01", "STEAM", (SHA, 1234, "application/pdf"),
        "steam.pdf", "Steam datasheet", "datasheet", ACTOR, at(30),
    )  # fmt: skip
    return list(document.collect_events())


def test_attaching_records_what_describes_the_bytes() -> None:
    (attached,) = document_cycle()
    assert type(attached).__qualname__ == "Document.Attached"
    assert (attached.supplier_unit_id, attached.item_code) == ("HEAT-01", "STEAM")
    assert (attached.sha256, attached.size, attached.media_type) == (SHA, 1234, "application/pdf")
    assert not hasattr(attached, "content")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        Document.attach(
            "doc-2", "e1", "v", "HEAT-01", "STEAM", (SHA, 1, "text/plain; charset=utf-8"),
            "a.txt", "A", "brochure", ACTOR, at(1),
        )  # fmt: skip
    assert refused.value.code == "unknown_document_kind"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (tiny_pdf("x"), "application/pdf"),
        (png_image(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (xlsx_workbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "application/vnd.ms-office"),
        ("Dampf 0,8 MPa — 蒸汽\n".encode(), "text/plain; charset=utf-8"),
        (elf_executable(), None),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", None),  # a PE header has NULs
        (b"PK\x03\x04not a zip at all", None),
        (b"\xc3\x28 invalid UTF-8", None),
    ],
)
def test_the_type_is_judged_from_the_content(
    tmp_path: Path, content: bytes, expected: str | None
) -> None:
    path = tmp_path / "upload.pdf"  # the name says PDF whatever it holds
    path.write_bytes(content)
    assert media_type_of(path) == expected


def test_a_zip_without_content_types_is_no_office_file(tmp_path: Path) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "a.xlsx"
    path.write_bytes(out.getvalue())
    assert media_type_of(path) is None


def test_a_download_names_its_file_safely() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\temp\\a\x00b.pdf") == "ab.pdf"
    assert safe_file_name("") == "document"
    assert content_disposition("datasheet.pdf") == 'attachment; filename="datasheet.pdf"'
    chinese = content_disposition("产品说明.pdf")
    assert chinese == (
        'attachment; filename="document.pdf"; '
        "filename*=UTF-8''%E4%BA%A7%E5%93%81%E8%AF%B4%E6%98%8E.pdf"
    )
    quoted = content_disposition('a"b;c.pdf')
    assert quoted.startswith('attachment; filename="a_b_c.pdf"; filename*=')
