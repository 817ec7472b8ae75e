"""A document's bytes as an HTTP answer: its own type, an attachment with a safe file name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from starlette.responses import StreamingResponse

from marketplace.aggregates.document import Document

_UNSAFE = re.compile(r"[^A-Za-z0-9._()+ -]")


def safe_file_name(name: str | None) -> str:
    """The last path part of a client's file name, without control characters, at most 200
    characters; "document" when nothing is left."""
    base = re.split(r"[/\\]", name or "")[-1]
    kept = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    return kept[:200] or "document"


def content_disposition(file_name: str) -> str:
    """`attachment` with an ASCII fallback name and, for any other name, RFC 5987 `filename*`."""
    name = safe_file_name(file_name)
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE.sub("_", plain).strip()
    if not ascii_name.rpartition(".")[0 if "." in ascii_name else 2].strip("._ "):
        ascii_name = "document" + (f".{ascii_name.rpartition('.')[2]}" if "." in ascii_name else "")
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def download(document: Document, chunks: Iterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type=document.media_type,
        headers={
            "Content-Disposition": content_disposition(document.file_name),
            "Content-Length": str(document.size),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{document.sha256}"',
            "Cache-Control": "private, no-cache",
        },
    )
