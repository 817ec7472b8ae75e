"""The embedded store at rest: every data file 0600 in a 0700 folder, the seal key outside it
(moved out of an older install's data directory), sealed bids still opening."""

from __future__ import annotations

import stat
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.conftest import run_cli, service_env, start_server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_tenders_api import SECRET_AMOUNTS, run_until_sealed


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(env: dict[str, str], *args: str) -> None:
    done = run_cli(env, *args)
    assert done.returncode == 0, done.stderr


def make_it_an_older_install(data: Path, key_file: Path) -> None:
    """What earlier versions left: the key in the data directory, files readable by all."""
    key_file.rename(data / "seal.key")
    (data / "store-id").unlink()
    for path in [data, *data.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_data_files_are_private_and_the_key_lives_apart(tmp_path: Path) -> None:
    # The quick start on a fresh machine: no settings but where the data goes, a bare home.
    env = service_env(tmp_path, "sqlite", None) | {"HOME": str(tmp_path / "home")}
    del env["MARKETPLACE_ADMIN_TOKEN"], env["XDG_CONFIG_HOME"]
    data, keys = tmp_path / "data", tmp_path / "home" / ".config" / "marketplace"
    first = start_server(env, "--demo")
    try:
        need_id, tender_id, deadline = run_until_sealed(first)
    finally:
        first.stop()
    (key_file,) = keys.iterdir()
    assert key_file.name == f"seal-{(data / 'store-id').read_text()}.key"
    assert not (data / "seal.key").exists()

    make_it_an_older_install(data, key_file)
    second = start_server(env)
    second.tokens = first.tokens
    try:
        assert not (data / "seal.key").exists()
        (key_file,) = keys.iterdir()  # moved out, under the store's new id
        assert key_file.name == f"seal-{(data / 'store-id').read_text()}.key"
        time.sleep(max(0.0, deadline - time.monotonic()) + 0.5)
        opened = as_unit(second, "COAL-01").post(f"/v1/tenders/{tender_id}/open")
        assert opened.status_code == 200, opened.text
        assert {p["amount"] for p in opened.json()["ranking"]} == {
            SECRET_AMOUNTS[0],
            SECRET_AMOUNTS[2],
            SECRET_AMOUNTS[3],
        }
        cli(env, "projections", "rebuild")  # a lock file and a scratch copy
        cli(env, "audit", "replay", "--as-of", datetime.now(UTC).isoformat())
        files = sorted(p for p in data.rglob("*"))
        names = {p.name for p in files}
        assert {"events.sqlite3-wal", "read_models.sqlite3-shm", "store-id"} <= names
        assert any(n.startswith("read_models.asof-") for n in names)
        assert any(n.endswith(".lock") for n in names)
        assert mode(data) == 0o700
        private = {p.name: "0o700" if p.is_dir() else "0o600" for p in files}
        assert {p.name: oct(mode(p)) for p in files} == private
        assert (mode(keys), mode(key_file)) == (0o700, 0o600)
        assert need_id
    finally:
        second.stop()
