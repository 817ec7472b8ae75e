"""The auditor's desk's parts: a state as rows of keys, two states' differences, and the search of
an aggregate by id, need title, contract or tender in the read models."""

# ruff: noqa: S608 - SQL is built only from the read models' fixed table names

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from marketplace.portal.i18n import N_
from marketplace.projections import contract_list, needs_board, tender_list
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Table

Change = Literal["added", "removed", "changed"]
CHANGES: dict[Change, str] = {
    "added": N_("key added"),
    "removed": N_("key removed"),
    "changed": N_("value changed"),
}
FOUND_LIMIT = 50  # rows of each kind a search shows


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A state as `key → value` rows: nested keys joined by dots, list items by `[i]`; an empty
    dict or list is a value of its own (so that emptying a list shows as a change)."""
    if isinstance(value, dict) and value:
        rows: dict[str, Any] = {}
        for key, item in value.items():
            rows |= flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list) and value:
        rows = {}
        for n, item in enumerate(value):
            rows |= flatten(item, f"{prefix}[{n}]")
        return rows
    return {prefix: value}


def shown(value: Any) -> str:
    """A state's value as the page writes it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Difference:
    key: str
    change: Change
    before: Any  # None where the key was added
    after: Any  # None where the key was removed


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
    """The keys added, removed and changed from state `before` to state `after` (both as the
    audit API answers them, nested), by key; equal values are left out."""
    old, new = flatten(before), flatten(after)
    found = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            if not _emptied(key, new[key], old):
                found.append(Difference(key, "added", None, new[key]))
        elif key not in new:
            if not _emptied(key, old[key], new):
                found.append(Difference(key, "removed", old[key], None))
        elif old[key] != new[key] or type(old[key]) is not type(new[key]):
            found.append(Difference(key, "changed", old[key], new[key]))
    return found


def _emptied(key: str, value: Any, other: dict[str, Any]) -> bool:
    """Whether `key` is an empty dict or list whose items the other state has: the items say
    what changed, the container itself did not come or go."""
    return value in ({}, []) and any(k.startswith((f"{key}.", f"{key}[")) for k in other)


@dataclass(frozen=True)
class Found:
    """What a search found in the read models, each kind at most FOUND_LIMIT rows."""

    needs: list[dict[str, Any]]
    tenders: list[dict[str, Any]]
    contracts: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return not (self.needs or self.tenders or self.contracts)


def _containing(text: str) -> str:
    """A LIKE pattern for `text` anywhere, its wildcards escaped (escape character `\\`)."""
    literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


async def search(
    needs_reader: RowReader, tenders_reader: RowReader, contracts_reader: RowReader, q: str
) -> Found:
    """Needs whose title holds `q` (case folded) or whose id or contract is `q`; the tenders and
    contracts whose id is `q` or that are of those needs; and the needs of the tenders and
    contracts found by their id. Read models only."""
    board = needs_board.NEEDS
    needs = await needs_reader.fetch(
        f"SELECT {_NEED_COLUMNS} FROM {board.name} "
        "WHERE lower(title) LIKE $1 ESCAPE '\\' OR need_id = $2 OR contract_id = $2 "
        f"ORDER BY posted_at DESC, need_id LIMIT {FOUND_LIMIT}",
        [_containing(q), q],
        board.types,
    )
    need_ids = [str(n["need_id"]) for n in needs]
    tenders = await _by_id_or_need(
        tenders_reader,
        "tender_id, need_id, demand_unit_id, status",
        tender_list.TENDERS,
        "tender_id",
        q,
        need_ids,
    )
    need_ids += [str(t["need_id"]) for t in tenders if t["need_id"] not in need_ids]
    contracts = await _by_id_or_need(
        contracts_reader,
        "contract_id, need_id, demand_unit_id, supply_unit_id, status",
        contract_list.CONTRACTS,
        "contract_id",
        q,
        need_ids,
    )
    listed = {str(n["need_id"]) for n in needs}
    theirs = [i for i in dict.fromkeys(str(r["need_id"]) for r in (*tenders, *contracts))]
    missing = [i for i in theirs if i not in listed]
    if missing:  # a tender or contract found by its id: its need too
        marks = ", ".join(f"${n}" for n in range(1, len(missing) + 1))
        needs += await needs_reader.fetch(
            f"SELECT {_NEED_COLUMNS} FROM {board.name} WHERE need_id IN ({marks})",
            missing,
            board.types,
        )
    return Found(needs, tenders, contracts)


_NEED_COLUMNS = "need_id, title, demand_unit_id, status, contract_id"


async def _by_id_or_need(
    reader: RowReader, columns: str, table: Table, key: str, q: str, need_ids: list[str]
) -> list[dict[str, Any]]:
    """Rows of `table` whose `key` is `q` or whose need is one of `need_ids`."""
    marks = ", ".join(f"${n}" for n in range(2, len(need_ids) + 2))
    of_needs = f" OR need_id IN ({marks})" if need_ids else ""
    return await reader.fetch(
        f"SELECT {columns} FROM {table.name} WHERE {key} = $1{of_needs} "
        f"ORDER BY {key} LIMIT {FOUND_LIMIT}",
        [q, *need_ids],
        table.types,
    )
