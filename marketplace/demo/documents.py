"""The demo's technical document: a one-page PDF datasheet on a catalog product, made here."""

from __future__ import annotations

import io

from marketplace.aggregates.access_token import Role
from marketplace.handlers import catalog, documents
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services

DATASHEET_SUPPLIER, DATASHEET_ITEM = "HEAT-02", "STEAM-LP"


def tiny_pdf(*lines: str) -> bytes:
    """A valid one-page PDF showing `lines` (ASCII) in Helvetica, with a correct xref table."""
    text = "".join(
        f"BT /F1 12 Tf 72 {720 - 18 * i} Td ({_escaped(line)}) Tj ET\n"
        for i, line in enumerate(lines)
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _escaped(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def seed_documents(svc: Services, version_id: str) -> None:
    """The heating platform attaches a datasheet to its supplier's low-pressure steam."""
    if svc.documents is None:
        return
    version = catalog.load_version(svc, version_id, reading=True)
    entry = next(
        e
        for e in version.entries.values()
        if (e.supplier_unit_id, e.item_code) == (DATASHEET_SUPPLIER, DATASHEET_ITEM)
    )
    pdf = tiny_pdf(
        "Industrial Steam Supply Co. - Low-pressure process steam 0.8 MPa",
        "Pressure 0.8 MPa (g), temperature 175-185 C, dryness >= 0.97",
        "Delivery by pipeline; metering class 1.0",
    )
    received = documents.receive(svc, io.BytesIO(pdf), len(pdf))
    admin = Principal("demo", "HEAT", frozenset({Role.PLATFORM_ADMIN}))
    ref = documents.EntryRef(entry.entry_id, version_id, entry.supplier_unit_id, entry.item_code)
    documents.attach_document(
        svc, admin, ref, received, "steam-lp-datasheet.pdf", "Steam LP datasheet", "datasheet"
    )
