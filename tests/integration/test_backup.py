"""`marketplace backup` under write load, `marketplace restore` into an empty directory: the
restored store verifies, and its read models, caught up, equal a replay of its events."""

from __future__ import annotations

import asyncio
import tarfile
import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marketplace.aggregates.organisation import Level
from marketplace.backup.restore import read_manifest
from marketplace.bootstrap import build_api, build_projection_runtime, build_services, event_log_of
from marketplace.cli.main import app
from marketplace.demo import seed_demo
from marketplace.handlers.units import RegisterUnit, register_unit
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.store import ReadModelStore
from tests.integration.api_app import settings_for
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import replayed_into, rows

Dump = dict[str, list[dict[str, Any]]]


def cli(data_dir: Path, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"MARKETPLACE_DATA_DIR": str(data_dir)})


async def dump(store: ReadModelStore) -> Dump:
    return {f"{p.name}.{t.name}": await rows(store, t) for p in PROJECTIONS for t in p.tables}


async def caught_up_and_replayed(data_dir: Path, scratch: Path) -> tuple[Dump, Dump]:
    """The restored read models once `serve` would have caught them up, and a replay."""
    settings = settings_for(data_dir)
    svc = build_services(settings)
    runtime = build_projection_runtime(settings, event_log_of(svc.store))
    try:
        await runtime.start()
        assert all(s.lag == 0 for s in await runtime.status())
        restored = await dump(runtime.store)
        await runtime.stop()
        return restored, await replayed_into(svc.store, scratch, PROJECTIONS, dump)
    finally:
        svc.store.close()


def test_a_backup_under_load_restores_a_store_that_verifies_and_replays(tmp_path: Path) -> None:
    live, restored, archive = tmp_path / "live", tmp_path / "restored", tmp_path / "b.tar.gz"
    settings = settings_for(live)
    svc = build_services(settings)
    seed_demo(svc)
    written = threading.Semaphore(0)
    stop = threading.Event()

    def keep_writing() -> None:  # units into the chart, as fast as the store takes them
        n = 0
        while not stop.is_set():
            n += 1
            unit = RegisterUnit(f"LOAD-{n}", f"Load {n}", Level.ENTERPRISE, "COAL")
            register_unit(svc, HQ_ADMIN, unit)
            written.release()

    try:
        with TestClient(build_api(settings, svc)) as api:  # feeds read models, chains, notifies
            writer = threading.Thread(target=keep_writing)
            writer.start()
            try:
                for _ in range(20):
                    written.acquire()
                api.get("/v1/units")
                backed_up = cli(live, "backup", str(archive))
                for _ in range(20):  # writes went on during and after the backup
                    written.acquire()
            finally:
                stop.set()
                writer.join()
        live_head = svc.store.head()
    finally:
        svc.store.close()

    assert backed_up.exit_code == 0, backed_up.output
    manifest = read_manifest(archive)
    assert 0 < manifest.head < live_head
    assert manifest.chain_position == manifest.head
    assert manifest.read_models and manifest.seal_key_check
    assert manifest.documents == len([p for p in (live / "documents").rglob("*") if p.is_file()])
    assert manifest.documents > 0  # the demo's technical documents
    with tarfile.open(archive) as tar:
        assert {m.name for m in tar} >= {"manifest.json", "events.sqlite3", "read_models.sqlite3"}
        assert not any("seal" in m.name or m.mode & 0o077 for m in tar)
    assert archive.stat().st_mode & 0o077 == 0

    restoring = cli(restored, "restore", str(archive))
    assert restoring.exit_code == 0, restoring.output
    assert f"{manifest.head} events" in restoring.output
    assert "seal key: " in restoring.output  # the same machine's key file fits
    verified = cli(restored, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"{manifest.head} events checked" in verified.output
    fed, replayed = asyncio.run(caught_up_and_replayed(restored, tmp_path / "replay.sqlite3"))
    assert fed == replayed
    assert any(row["id"] == "LOAD-1" for row in fed["directory.directory_units"])
    blobs = sorted(p.relative_to(live) for p in (live / "documents").rglob("*") if p.is_file())
    assert (
        sorted(p.relative_to(restored) for p in (restored / "documents").rglob("*") if p.is_file())
        == blobs
    )


def test_restore_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    live, archive = tmp_path / "live", tmp_path / "b.tar.gz"
    svc = build_services(settings_for(live))
    svc.store.close()
    assert cli(live, "backup", str(archive)).exit_code == 0
    assert cli(live, "backup", str(archive)).exit_code == 1  # never over an archive
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("someone's")

    refused = cli(occupied, "restore", str(archive))
    over_itself = cli(live, "restore", str(archive))

    assert refused.exit_code == 1
    assert "is not empty" in refused.output
    assert sorted(p.name for p in occupied.iterdir()) == ["notes.txt"]
    assert over_itself.exit_code == 1
    assert cli(tmp_path / "empty", "restore", str(archive)).exit_code == 0
