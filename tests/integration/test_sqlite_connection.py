"""Two connections opening one new read-model file at the same instant both get it in WAL mode.

`serve --all-in-one` on the embedded store opens the read models twice as it starts (the API
and its projection workers); SQLite refused one of two such opens about one time in ten.
"""

from __future__ import annotations

import threading
from pathlib import Path

from marketplace.projections.sqlite_connection import SqliteConnection


def test_connections_opening_a_new_file_together_both_succeed(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    for attempt in range(60):
        path = tmp_path / f"read_models-{attempt}.sqlite3"
        together = threading.Barrier(2)

        def open_it(path: Path = path, together: threading.Barrier = together) -> None:
            together.wait()
            try:
                conn = SqliteConnection(path)
                assert conn.execute("PRAGMA journal_mode") == [("wal",)]
                conn.raw.close()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
