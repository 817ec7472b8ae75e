"""The catalog as CSV: parse a platform's bulk submission, write the catalog in force."""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from marketplace.aggregates.catalog import CatalogVersion
from marketplace.handlers import catalog
from marketplace.handlers.catalog_entry import EntryIn

COLUMNS = [
    "supplier_unit_id",
    "category",
    "subcategory",
    "item_code",
    "item_name",
    "uom",
    "reference_price",
    "capacity",
    "regions",
]


class CsvRejected(Exception):
    """The CSV was refused as a whole; each problem names its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_entries(text: str) -> list[catalog.EntrySubmission]:
    """Rows of a submission CSV (header line first); every bad line is reported."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS[:6] if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvRejected([f"line 1: missing columns {', '.join(missing)}"])
    problems, entries = [], []
    for line, row in enumerate(reader, start=2):
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in COLUMNS}
        data = {k: v for k, v in data.items() if v not in ("", None)}
        data["regions"] = [r for r in str(data.get("regions", "")).split(";") if r]
        try:
            entry = EntryIn.model_validate(data)
        except ValidationError as exc:
            problems += [
                f"line {line}: {'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}"
                for e in exc.errors()
            ]
            continue
        entries.append(
            catalog.EntrySubmission(**{**entry.model_dump(), "regions": tuple(entry.regions)})
        )
    if problems:
        raise CsvRejected(problems)
    if not entries:
        raise CsvRejected(["the file has no entries"])
    return entries


def export_rows(version: CatalogVersion) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["version_id", "period", *COLUMNS, "entry_id"])
    for e in sorted(
        version.approved_entries(),
        key=lambda e: (e.category, e.subcategory, e.item_code, e.supplier_unit_id),
    ):
        writer.writerow(
            [
                version.id,
                version.period,
                e.supplier_unit_id,
                e.category,
                e.subcategory,
                e.item_code,
                e.item_name,
                e.uom,
                e.reference_price or "",
                e.capacity or "",
                ";".join(e.regions),
                e.entry_id,
            ]
        )
    return out.getvalue()
