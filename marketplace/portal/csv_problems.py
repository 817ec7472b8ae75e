"""A refused catalog CSV's problems (`catalog_import.import_csv`'s `CsvProblem`s) on the page:
each line's number and what is wrong with it, said from the problem's code and facts in the
page's language."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.handlers.catalog_csv import CsvProblem
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.wording import FIELD_ERRORS, RULES

# The columns as the entry form labels them.
COLUMN_LABELS = {
    "supplier_unit_id": N_("Supplier unit"),
    "category": N_("Category"),
    "subcategory": N_("Subcategory"),
    "item_code": N_("Item code"),
    "item_name": N_("Name of the item"),
    "uom": N_("Unit of measure"),
    "reference_price": N_("Reference price (CNY per unit)"),
    "capacity": N_("Supply capacity"),
    "regions": N_("Regions served"),
}

# How the page says the file's own problems (`CsvProblem.code`); `{…}` are the facts they name.
WORDING = {
    "missing_columns": N_("Columns missing: {columns}."),
    "unknown_columns": N_("Unknown columns {columns}; the known ones are {known}."),
    "surplus_values": N_("More values than the header has columns."),
    "no_entries": N_("The file has no entries."),
    "supplier_not_found": N_("Supplier unit {unit} does not exist."),
    "supplier_outside_platform": N_(
        "Supplier {unit} is not under platform {platform}: each platform submits its own."
    ),
    "supplier_inactive": N_("Supplier {unit} is deactivated."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: its line (None: the file as a whole) and the sentence."""

    line: int | None
    message: str


def problems(found: list[CsvProblem], _: Translator) -> list[Problem]:
    return [Problem(p.line, sentence(p, _)) for p in found]


def sentence(problem: CsvProblem, _: Translator) -> str:
    """The problem in the page's language, from its code and facts; a code the page has no
    wording for as the handler says it (English)."""
    facts = problem.facts
    if problem.code in WORDING:
        unit = facts.get("supplier_unit_id", "")
        columns = facts.get("columns", [])
        if problem.code == "unknown_columns":
            columns = map(repr, columns)
        return _(
            WORDING[problem.code],
            unit=unit,
            platform=facts.get("platform_id", ""),
            columns=", ".join(columns),
            known=", ".join(facts.get("known", [])),
        )
    if problem.code == "invalid_value":
        return _field(str(facts["field"]), str(facts["type"]), str(facts["message"]), _)
    if problem.code in RULES:
        return _(RULES[problem.code])
    return problem.message


def _field(name: str, kind: str, message: str, _: Translator) -> str:
    """A cell's error after its column's label (a region's, `regions.2`: the column's), as the
    entry form says it; one about the row (`row`) stands alone."""
    said = _(FIELD_ERRORS[kind]) if kind in FIELD_ERRORS else message
    colon = "：" if _.language == "zh-CN" else ": "  # noqa: RUF001 - Chinese punctuation
    column = name.split(".")[0]
    if column not in COLUMN_LABELS:
        return said if name == "row" else f"{name}{colon}{said}"
    return f"{_(COLUMN_LABELS[column])}{colon}{said}"
