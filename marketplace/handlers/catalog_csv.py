"""The catalog as CSV: parse a platform's bulk submission, write the catalog in force."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from marketplace.aggregates.catalog import CatalogVersion
from marketplace.aggregates.price_breaks import PriceBreak
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
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
    "price_breaks",
]


@dataclass(frozen=True)
class CsvProblem:
    """One thing wrong with a submission CSV: its line (None: the file as a whole), what is
    wrong as a code and the facts it names (for pages in any language), and as a sentence in
    English (`text`: with its line first, as `marketplace catalog import` prints it).

    Codes: `missing_columns` (`columns`), `unknown_columns` (`columns`, `known`),
    `surplus_values`, `no_entries`, `invalid_value` (a cell refused by the input rules:
    `field`, `type` and `message` as the API's 422 details name them), `supplier_not_found`
    (`supplier_unit_id`), `supplier_outside_platform` (`supplier_unit_id`, `platform_id`), and
    the catalog's rule codes (`unknown_subcategory`, `supplier_inactive`, `duplicate_entry`,
    `submission_deadline_passed`, …) with the refusal's details.
    """

    line: int | None
    code: str
    message: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        if self.line is not None:
            return f"line {self.line}: {self.message}"
        return self.message if self.code == "no_entries" else f"file: {self.message}"


class CsvRejected(Exception):
    """The CSV was refused as a whole; each problem names its line (`found`: as data,
    `problems`: as sentences)."""

    def __init__(self, found: list[CsvProblem]) -> None:
        self.found = found
        self.problems = [p.text for p in found]
        super().__init__("\n".join(self.problems))


# Columns an export adds: a re-submitted export is not refused for them (they are ignored).
EXPORT_ONLY = ["version_id", "period", "entry_id"]
Located = tuple[int, catalog.EntrySubmission]


def parse_entries(text: str) -> list[catalog.EntrySubmission]:
    """Rows of a submission CSV (header line first); every bad line is reported."""
    located, problems = read_rows(text)
    if problems:
        raise CsvRejected(problems)
    return [entry for _, entry in located]


def read_entries(text: str) -> tuple[list[Located], list[str]]:
    """`read_rows`, its problems as sentences."""
    located, problems = read_rows(text)
    return located, [p.text for p in problems]


def read_rows(text: str) -> tuple[list[Located], list[CsvProblem]]:
    """The well-formed rows with their lines, and a problem for every bad line or column."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS[:6] if c not in header]
    if missing:
        said = f"missing columns {', '.join(missing)}"
        return [], [CsvProblem(1, "missing_columns", said, {"columns": missing})]
    problems: list[CsvProblem] = []
    unknown = [c for c in header if c not in COLUMNS + EXPORT_ONLY]
    if unknown:
        said = f"unknown columns {', '.join(map(repr, unknown))} (known: {', '.join(COLUMNS)})"
        facts = {"columns": unknown, "known": COLUMNS}
        problems.append(CsvProblem(1, "unknown_columns", said, facts))
    entries: list[Located] = []
    for line, row in enumerate(reader, start=2):
        if None in row:  # DictReader keeps the cells beyond the header under the key None
            said = "more values than the header has columns"
            problems.append(CsvProblem(line, "surplus_values", said))
            continue
        data: dict[str, object] = {
            k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in COLUMNS
        }
        data = {k: v for k, v in data.items() if v not in ("", None)}
        data["regions"] = [r for r in str(data.get("regions", "")).split(";") if r]
        data["price_breaks"] = price_breaks_cell(str(data.get("price_breaks", "")))
        try:
            entry = EntryIn.model_validate(data)
        except ValidationError as exc:
            problems += [_invalid(line, data, e) for e in exc.errors()]
            continue
        entries.append((line, entry.submission()))
    if not entries and not problems:
        problems.append(CsvProblem(None, "no_entries", "the file has no entries"))
    return entries, problems


def price_breaks_cell(cell: str) -> list[dict[str, str]]:
    """`min_quantity:unit_price` pairs separated by `;` (`5:92000.00;10:88000.00`); a pair
    without its colon keeps an empty price, which validation names."""
    pairs = [part.partition(":") for part in cell.split(";") if part.strip()]
    return [{"min_quantity": q.strip(), "unit_price": p.strip()} for q, _, p in pairs]


def write_price_breaks(breaks: tuple[PriceBreak, ...]) -> str:
    return ";".join(f"{b.min_quantity}:{b.unit_price}" for b in breaks)


def _invalid(line: int, data: Mapping[str, object], error: Any) -> CsvProblem:
    """A refused cell; the row's own check (no cell named) is the subcategory's."""
    name = ".".join(map(str, error["loc"])) or "row"
    said = f"{name}: {error['msg']}"
    category, subcategory = str(data.get("category", "")), str(data.get("subcategory", ""))
    if name == "row" and not is_known(category, subcategory):
        facts: dict[str, Any] = {
            "category": category,
            "subcategory": subcategory,
            "allowed": list(allowed_subcategories(category)),
        }
        return CsvProblem(line, "unknown_subcategory", said, facts)
    facts = {"field": name, "type": error["type"], "message": error["msg"]}
    return CsvProblem(line, "invalid_value", said, facts)


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
                write_price_breaks(e.price_breaks),
                e.entry_id,
            ]
        )
    return out.getvalue()
