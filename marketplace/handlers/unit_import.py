"""Load a whole organisation chart from one YAML file, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.organisation import Level, Organisation
from marketplace.handlers.errors import AppError
from marketplace.handlers.ports import Services
from marketplace.handlers.units import organisation_for_update
from marketplace.inputs import ShortText, UnitId


class UnitEntry(BaseModel):
    """One unit as an import file states it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: UnitId
    name: ShortText = Field(min_length=1, max_length=200)
    level: Level
    parent_id: UnitId | None = None
    sector: ShortText | None = Field(default=None, min_length=1, max_length=64)
    active: bool = True


@dataclass(frozen=True)
class Problem:
    entry: int | None
    line: int | None
    unit_id: str | None
    message: str

    def __str__(self) -> str:
        where = [f"entry {self.entry}"] if self.entry else []
        where += [f"line {self.line}"] if self.line else []
        where += [f"unit {self.unit_id!r}"] if self.unit_id else []
        return f"{', '.join(where) or 'file'}: {self.message}"


class ImportRejected(AppError):
    """The file was refused as a whole; nothing was stored."""

    kind = "invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "import_rejected",
            "The organisation file was rejected; nothing was changed.\n"
            + "\n".join(f"  - {p}" for p in problems),
            {"problems": [p.__dict__ for p in problems]},
        )


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Located:
    entry: int
    line: int | None
    data: Any


def parse_units_file(text: str) -> list[tuple[int, int | None, UnitEntry]]:
    """Entries as (position, line, entry); every malformed entry is reported, not just one."""
    located = _locate_entries(text)
    problems: list[Problem] = []
    entries: list[tuple[int, int | None, UnitEntry]] = []
    seen: dict[str, int] = {}
    for item in located:
        try:
            entry = UnitEntry.model_validate(item.data)
        except ValidationError as exc:
            unit_id = item.data.get("id") if isinstance(item.data, dict) else None
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(Problem(item.entry, item.line, unit_id, f"{loc}: {err['msg']}"))
            continue
        # Ids are unique regardless of case (the chart refuses `unit_exists` the same way).
        if (key := entry.id.casefold()) in seen:
            problems.append(
                Problem(
                    item.entry,
                    item.line,
                    entry.id,
                    f"the id is already used by entry {seen[key]} (ids are unique regardless "
                    "of case)",
                )
            )
            continue
        seen[key] = item.entry
        entries.append((item.entry, item.line, entry))
    if problems:
        raise ImportRejected(problems)
    return entries


def _locate_entries(text: str) -> list[_Located]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportRejected([Problem(None, None, None, f"not valid YAML: {exc}")]) from None
    if isinstance(document, dict) and isinstance(node, yaml.MappingNode):
        items = document.get("units")
        node = next((v for k, v in node.value if k.value == "units"), None)
    else:
        items = document
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        raise ImportRejected([Problem(None, None, None, "expected a list of units under 'units:'")])
    return [
        _Located(i, child.start_mark.line + 1, data)
        for i, (child, data) in enumerate(zip(node.value, items, strict=True), start=1)
    ]


def import_units(svc: Services, actor: Actor, text: str) -> ImportResult:
    """Register new units and restructure existing ones so the chart matches the file.

    Entries may come in any order (parents are placed first); deactivations run last,
    deepest units first. One save makes it atomic: a refused entry stores nothing.
    """
    entries = parse_units_file(text)

    def attempt() -> ImportResult:
        org = organisation_for_update(svc, actor)
        result = ImportResult()
        before = dict(org.units)
        _place_units(svc, org, actor, entries, result)
        _apply_deactivations(svc, org, actor, entries)
        for _, _, entry in entries:
            if entry.id in before and entry.id not in result.created:
                same = org.units[entry.id] == before[entry.id]
                (result.unchanged if same else result.updated).append(entry.id)
        if org.pending_events:
            svc.store.save(org)
        return result

    return svc.retrying(attempt)


def _place_units(
    svc: Services,
    org: Organisation,
    actor: Actor,
    entries: list[tuple[int, int | None, UnitEntry]],
    result: ImportResult,
) -> None:
    pending = list(entries)
    while pending:
        deferred = []
        for position, line, entry in pending:
            if entry.parent_id is not None and entry.parent_id not in org.units:
                deferred.append((position, line, entry))
                continue
            with _blame(position, line, entry.id):
                if entry.id in org.units:
                    _check_same_level(org, entry)
                    org.update_unit(
                        entry.id,
                        actor,
                        svc.clock(),
                        name=entry.name,
                        parent_id=entry.parent_id,
                        sector=entry.sector,
                        active=True if entry.active else None,
                    )
                else:
                    org.register_unit(
                        entry.id,
                        entry.name,
                        entry.level,
                        entry.parent_id,
                        entry.sector,
                        actor=actor,
                        timestamp=svc.clock(),
                    )
                    result.created.append(entry.id)
        if len(deferred) == len(pending):
            raise ImportRejected(
                [
                    Problem(
                        p,
                        ln,
                        e.id,
                        f"parent {e.parent_id!r} is neither in the store nor placeable from this "
                        "file (missing, or the file's parents form a cycle)",
                    )
                    for p, ln, e in deferred
                ]
            )
        pending = deferred


def _apply_deactivations(
    svc: Services, org: Organisation, actor: Actor, entries: list[tuple[int, int | None, UnitEntry]]
) -> None:
    to_deactivate = [(p, ln, e) for p, ln, e in entries if not e.active]
    to_deactivate.sort(key=lambda t: len(org.ancestors(t[2].id)), reverse=True)
    for position, line, entry in to_deactivate:
        with _blame(position, line, entry.id):
            org.update_unit(entry.id, actor, svc.clock(), active=False)


def _check_same_level(org: Organisation, entry: UnitEntry) -> None:
    current = org.units[entry.id].level
    if current is not entry.level:
        raise DomainError(
            "level_cannot_change",
            f"the unit exists as a {current.value}; its level cannot change to {entry.level.value}",
        )


@contextmanager
def _blame(position: int, line: int | None, unit_id: str) -> Iterator[None]:
    """Turn a domain refusal into an import problem that names the entry."""
    try:
        yield
    except DomainError as exc:
        raise ImportRejected(
            [Problem(position, line, unit_id, f"{exc.message} [{exc.code}]")]
        ) from exc
