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


# Columns an export adds: a re-submitted export is not refused for them (they are ignored).
EXPORT_ONLY = ["version_id", "period", "entry_id"]
Located = tuple[int, catalog.EntrySubmission]


def parse_entries(text: str) -> list[catalog.EntrySubmission]:
    """Rows of a submission CSV (header line first); every bad line is reported."""
    located, problems = read_entries(text)
    if problems:
        raise CsvRejected(problems)
    return [entry for _, entry in located]


def read_entries(text: str) -> tuple[list[Located], list[str]]:
    """The well-formed rows with their lines, and a problem for every bad line or column."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS[:6] if c not in header]
    if missing:
        return [], [f"line 1: missing columns {', '.join(missing)}"]
    problems: list[str] = []
    unknown = [c for c in header if c not in COLUMNS + EXPORT_ONLY]
    if unknown:
        problems.append(
            f"line 1: unknown columns {', '.join(map(repr, unknown))} (known: {', '.join(COLUMNS)})"
        )
    entries: list[Located] = []
    for line, row in enumerate(reader, start=2):
        if None in row:  # DictReader keeps the cells beyond the header under the key None
            problems.append(f"line {line}: more values than the header has columns")
            continue
        data: dict[str, object] = {
            k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in COLUMNS
        }
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
        submission = {**entry.model_dump(), "regions": tuple(entry.regions)}
        entries.append((line, catalog.EntrySubmission(**submission)))
    if not entries and not problems:
        problems.append("the file has no entries")
    return entries, problems


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
