"""The seal key's home: outside the data directory, one per store, never lost, moved out of
the data directory of an older install."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from marketplace.adapters.seal import AesGcmSealer
from marketplace.adapters.seal_key import SealKeyError, load_seal_key
from marketplace.bootstrap import build_services, seal_key
from marketplace.settings import Settings

KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "marketplace"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def key_files(config: Path) -> list[Path]:
    return sorted(config.glob("seal-*.key"))


def test_a_new_store_keeps_its_key_outside_the_data_directory(tmp_path: Path, config: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    svc = build_services(settings)
    svc.store.close()
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [
        "events.sqlite3",
        "store-id",
    ]
    store_id = (settings.data_dir / "store-id").read_text()
    (key_file,) = key_files(config)
    assert key_file.name == f"seal-{store_id}.key"
    assert (mode(key_file), mode(config), mode(settings.data_dir / "store-id")) == (
        0o600,
        0o700,
        0o600,
    )
    assert seal_key(settings) == base64.urlsafe_b64decode(key_file.read_text())


def test_stores_on_one_machine_have_keys_of_their_own(tmp_path: Path, config: Path) -> None:
    first, second = (Settings(data_dir=tmp_path / name) for name in ("a", "b"))
    keys = [seal_key(first), seal_key(second), seal_key(first), seal_key(second)]
    assert keys[0] != keys[1]
    assert keys[2:] == keys[:2]
    assert len(key_files(config)) == 2


def test_the_configured_key_overrides_and_makes_no_file(tmp_path: Path, config: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", seal_key=KEY)
    assert seal_key(settings) == bytes(range(32))
    assert not config.exists()
    assert not (tmp_path / "data").exists()


def test_a_key_file_of_ones_choosing(tmp_path: Path, config: Path) -> None:
    chosen = tmp_path / "secrets" / "market.key"
    settings = Settings(data_dir=tmp_path / "data", seal_key_file=chosen)
    made = seal_key(settings)
    assert base64.urlsafe_b64decode(chosen.read_text()) == made
    assert (mode(chosen), mode(chosen.parent)) == (0o600, 0o700)
    assert not config.exists()
    given = tmp_path / "given.key"
    given.write_text(KEY)
    assert seal_key(Settings(data_dir=tmp_path / "other", seal_key_file=given)) == bytes(range(32))


@pytest.mark.parametrize("had_store_id", [False, True])
def test_an_older_install_s_key_is_moved_out_of_the_data_directory(
    tmp_path: Path, config: Path, had_store_id: bool
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    legacy = data / "seal.key"
    legacy.write_text(KEY)
    legacy.chmod(0o644)
    if had_store_id:  # a start that stopped between writing the id and moving the key
        (data / "store-id").write_text("0123456789abcdef")
    sealed = AesGcmSealer(bytes(range(32))).seal(json.dumps({"amount": "12.50"}))
    key = seal_key(Settings(data_dir=data))
    assert key == bytes(range(32))
    assert not legacy.exists()
    (moved,) = key_files(config)
    assert (base64.urlsafe_b64decode(moved.read_text()), mode(moved)) == (key, 0o600)
    assert json.loads(AesGcmSealer(seal_key(Settings(data_dir=data))).unseal(sealed)) == {
        "amount": "12.50"
    }


def test_a_legacy_key_is_kept_when_the_key_file_disagrees(tmp_path: Path, config: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    seal_key(settings)
    (data / "seal.key").write_text(KEY)
    with pytest.raises(SealKeyError, match="another seal key"):
        seal_key(settings)
    assert (data / "seal.key").read_text() == KEY


def test_a_lost_key_stops_the_start_instead_of_making_a_new_one(
    tmp_path: Path, config: Path
) -> None:
    data = tmp_path / "data"
    seal_key(Settings(data_dir=data))
    (key_file,) = key_files(config)
    key_file.rename(tmp_path / "backup.key")
    with pytest.raises(SealKeyError, match="restore it from your backup"):
        seal_key(Settings(data_dir=data))
    assert key_files(config) == []
    elsewhere = Settings(data_dir=data, seal_key_file=tmp_path / "nowhere.key")
    (tmp_path / "backup.key").rename(key_file)
    with pytest.raises(SealKeyError, match=f"the default place, {key_file}, has it"):
        seal_key(elsewhere)


def test_a_key_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    short = base64.urlsafe_b64encode(os.urandom(16)).decode()
    with pytest.raises(SealKeyError, match="32 random bytes"):
        load_seal_key(short, None, tmp_path, shared_store=False)


def test_a_damaged_store_id_is_refused(tmp_path: Path, config: Path) -> None:
    (tmp_path / "store-id").write_text("../../etc/passwd")
    with pytest.raises(SealKeyError, match="is damaged"):
        seal_key(Settings(data_dir=tmp_path))
    assert not config.exists()
