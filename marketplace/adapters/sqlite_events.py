"""The library's SQLite recorder, marking an idempotent write's row in the events' transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from marketplace.adapters.idempotent_effects import mark_effects


class MarkingSQLiteRecorder(SQLiteApplicationRecorder):
    """`APPLICATION_RECORDER_TOPIC` of the embedded store (see idempotent_effects)."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)

        def execute(query: str, params: Sequence[Any]) -> int:
            c.execute(query, params)
            return int(c.sqlite_cursor.rowcount)

        mark_effects(execute, stored_events, positions)
        return positions
