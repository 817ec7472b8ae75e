"""What a document is, judged from its bytes (never its name or the client's Content-Type)."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

# Media types a document may have: PDF, images, office files, plain text.
PDF = "application/pdf"
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE = "application/vnd.ms-office"  # legacy .doc/.xls/.ppt share one container
TEXT = "text/plain; charset=utf-8"
_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
)
_CHUNK = 1 << 16


def media_type_of(path: Path) -> str | None:
    """The file's media type when it is one a document may have, else None."""
    with path.open("rb") as file:
        head = file.read(16)
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _office(path)
    return TEXT if _is_text(path) else None


def _office(path: Path) -> str | None:
    """An OOXML document: a zip holding `[Content_Types].xml` and its part folder."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, media_type in OOXML.items():
        if any(name.startswith(folder) for name in names):
            return media_type
    return None


def _is_text(path: Path) -> bool:
    """Valid UTF-8 without NUL (read in chunks: a large file is never held whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
