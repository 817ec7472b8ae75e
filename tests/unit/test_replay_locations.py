"""Where an API-requested replay's read models live, and how its progress is counted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from marketplace.audit.replays import Replays, replay_location
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.tables import check_identifier

REPLAY_ID = "rpl_" + "0123456789abcdef" * 2


def test_a_replay_has_a_file_beside_the_live_read_models() -> None:
    live = ReadModelLocation(sqlite_path=Path("/data/read_models.sqlite3"))
    found = replay_location(live, REPLAY_ID)
    assert found.sqlite_path == Path(f"/data/read_models.replay-{REPLAY_ID}.sqlite3")


def test_a_replay_has_a_schema_of_its_own_within_postgres_limits() -> None:
    live = ReadModelLocation(postgres_url="postgresql://x/db", postgres_schema="s" * 63)
    schema = replay_location(live, REPLAY_ID).postgres_schema
    assert len(schema) <= 63 and check_identifier(schema) == schema
    assert schema.startswith("s" * 30 + "_replay_") and schema != live.postgres_schema


def test_progress_counts_projections_done_and_the_share_of_the_log_read() -> None:
    replays = Replays(Any, Any, ReadModelLocation(), Any, timedelta(hours=1))  # type: ignore[arg-type]
    replays._note(REPLAY_ID, 1, 4, 50, 100)
    assert replays._progress[REPLAY_ID] == (Decimal("0.375"), 50, 100)
    replays._note(REPLAY_ID, 4, 4, 0, 100)
    assert replays._progress[REPLAY_ID][0] == Decimal("0.999")  # 1 only once stored as done
