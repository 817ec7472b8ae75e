"""Load a whole organisation chart from one YAML file, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketplace.aggregates.base import Actor, DomainError, with_article
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


Located = tuple[int, int | None, UnitEntry]


def parse_units_file(text: str) -> list[Located]:
    """Entries as (position, line, entry); every malformed entry is reported, not just one."""
    entries, problems = read_units_file(text)
    if problems:
        raise ImportRejected(problems)
    return entries


def read_units_file(text: str) -> tuple[list[Located], list[Problem]]:
    """The well-formed entries, and a problem for each malformed or duplicate one."""
    located = _locate_entries(text)
    problems: list[Problem] = []
    entries: list[Located] = []
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
    return entries, problems


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
    deepest units first. The whole file is tried on the loaded chart (a scratch copy until
    saved), each refusal kept with its entry; with any problem nothing is saved and all are
    reported. One save makes it atomic.
    """
    entries, malformed = read_units_file(text)

    def attempt() -> ImportResult:
        org = organisation_for_update(svc, actor)
        trial = _Trial(svc, org, actor, list(malformed))
        # An entry that cannot be read cannot be a parent either: its children say so.
        trial.refused |= {p.unit_id for p in malformed if p.unit_id}
        before = dict(org.units)
        trial.place_units(entries)
        trial.apply_deactivations(entries)
        if trial.problems:
            raise ImportRejected(sorted(trial.problems, key=lambda p: p.entry or 0))
        for _, _, entry in entries:
            if entry.id in before and entry.id not in trial.result.created:
                same = org.units[entry.id] == before[entry.id]
                (trial.result.unchanged if same else trial.result.updated).append(entry.id)
        if org.pending_events:
            svc.store.save(org)
        return trial.result

    return svc.retrying(attempt)


@dataclass
class _Trial:
    """One run of a file's entries against the chart, collecting each refusal by entry."""

    svc: Services
    org: Organisation
    actor: Actor
    problems: list[Problem]
    result: ImportResult = field(default_factory=ImportResult)
    refused: set[str] = field(default_factory=set)

    def place_units(self, entries: list[Located]) -> None:
        pending = list(entries)
        while pending:
            deferred = []
            for position, line, entry in pending:
                parent = entry.parent_id
                if parent is not None and parent in self.refused:
                    self._refuse(position, line, entry.id, f"its parent {parent!r} is refused")
                elif parent is not None and parent not in self.org.units:
                    deferred.append((position, line, entry))
                else:
                    with self._blame(position, line, entry.id):
                        self._place(entry)
            if len(deferred) == len(pending):
                for p, ln, e in deferred:
                    self._refuse(
                        p,
                        ln,
                        e.id,
                        f"parent {e.parent_id!r} is neither in the store nor placeable from "
                        "this file (missing, or the file's parents form a cycle)",
                    )
                return
            pending = deferred

    def _place(self, entry: UnitEntry) -> None:
        org, now = self.org, self.svc.clock()
        if entry.id in org.units:
            _check_same_level(org, entry)
            org.update_unit(
                entry.id,
                self.actor,
                now,
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
                actor=self.actor,
                timestamp=now,
            )
            self.result.created.append(entry.id)

    def apply_deactivations(self, entries: list[Located]) -> None:
        placed = [(p, ln, e) for p, ln, e in entries if not e.active and e.id in self.org.units]
        placed = [t for t in placed if t[2].id not in self.refused]
        placed.sort(key=lambda t: len(self.org.ancestors(t[2].id)), reverse=True)
        for position, line, entry in placed:
            with self._blame(position, line, entry.id):
                self.org.update_unit(entry.id, self.actor, self.svc.clock(), active=False)

    def _refuse(self, position: int, line: int | None, unit_id: str, message: str) -> None:
        self.refused.add(unit_id)
        self.problems.append(Problem(position, line, unit_id, message))

    @contextmanager
    def _blame(self, position: int, line: int | None, unit_id: str) -> Iterator[None]:
        """A domain refusal becomes a problem naming the entry; the chart is unchanged by it
        (the aggregate checks every rule before it changes anything)."""
        try:
            yield
        except DomainError as exc:
            self._refuse(position, line, unit_id, f"{exc.message} [{exc.code}]")


def _check_same_level(org: Organisation, entry: UnitEntry) -> None:
    current = org.units[entry.id].level
    if current is not entry.level:
        raise DomainError(
            "level_cannot_change",
            f"the unit exists as {with_article(current.value)}; its level cannot change to "
            f"{entry.level.value}",
        )
