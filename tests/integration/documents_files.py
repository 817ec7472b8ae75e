"""Real files made in the tests: a PDF, a PNG, an OOXML document, an ELF executable."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from marketplace.demo.documents import tiny_pdf

__all__ = ["elf_executable", "png_image", "tiny_pdf", "xlsx_workbook"]


def png_image(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG of a red rectangle."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def xlsx_workbook() -> bytes:
    """A minimal OOXML zip: `[Content_Types].xml` and a `xl/` part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return out.getvalue()


def elf_executable() -> bytes:
    """An x86-64 ELF header and a few instructions: an executable, whatever it is named."""
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x400078, 64, 0, 0, 64, 56, 1, 0, 0, 0
    )
    return header + b"\x48\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05" * 20
