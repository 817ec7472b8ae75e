"""Shared test set-up: where the real PostgreSQL and broker are, and loud failure without them."""

from __future__ import annotations

import inspect
import os
import socket
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

POSTGRES_URL = os.environ.get(
    "MARKETPLACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BROKER = os.environ.get("MARKETPLACE_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


def require_postgres() -> None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required at {POSTGRES_URL} (set MARKETPLACE_TEST_DATABASE_URL); "
            f"start it with infra/services.sh start. Error: {exc}",
            pytrace=False,
        )


def require_broker() -> None:
    host, _, port = BROKER.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        pytest.fail(
            f"A Kafka-protocol broker is required at {BROKER}; start it with "
            f"infra/services.sh start. Error: {exc}",
            pytrace=False,
        )


def drop_schemas(prefix: str) -> None:
    """Drop the schema `prefix` and those named after it (its read models, their rebuilds)."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        names = conn.execute("SELECT nspname FROM pg_namespace").fetchall()
        for (name,) in names:
            if name == prefix or name.startswith(f"{prefix}_"):
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session", autouse=True)
def private_key_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Seal keys made by tests (in-process or by the servers they start, which inherit the
    environment) go to a temporary config directory, never into the real home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        yield


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards (with its read models)."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield schema
    drop_schemas(schema)


# Which event store a test runs on. A test asks for its store through the `backend` parameter
# (directly, or through a fixture such as `open_store`, `svc`, `api` or `demo`). Most tests check
# rules, HTTP, authorisation or a projection's figures, which do not depend on the store, so they
# run on the embedded SQLite store only. A test where the store itself matters carries the
# `both_stores` marker and runs on PostgreSQL too: the event store, the read-model stores, the
# relay, the audit chain and replays, outages and restarts, data at rest, and one smoke test per
# API area over HTTP. Mark a whole module with `pytestmark = pytest.mark.both_stores`.
STORES = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_stores") is not None
        # Module scope, so module-scoped servers (e2e `demo`) start once per store.
        metafunc.parametrize("backend", STORES if both else STORES[:1], scope="module")


# What a test needs, as markers, so `-m "not broker"` or `-m postgres` selects by service:
# a test on the PostgreSQL store (a `postgres` parameter, a schema, the server's URL or a private
# cluster) is `postgres`; one that talks to the broker (a `kafka` feed parameter, calls
# `require_broker`, names `BROKER` or starts a private broker) is `broker`. Read from the test's
# own code and parameters; `-m "not broker and not postgres"` passes with neither service.
_NEEDS = {
    "postgres": (
        "POSTGRES_URL",
        "pg_schema",
        "PrivateCluster",
        "private_cluster",
        "require_postgres(",
    ),
    "broker": ("require_broker(", "BROKER", "PrivateBroker", "kafka_bootstrap"),
}
_PARAMETERS = {"postgres": {"postgres"}, "broker": {"kafka"}}


# The `slow` tests (fault and load tests of tens of seconds) run by default, but each worker
# starts with its share of them: under `--dist worksteal` (pyproject.toml) worker i is first given
# the i-th of n equal runs of the collected tests and then steals from the others' ends; put at
# the head of those runs, the long tests start at once on every worker and the short ones fill
# in around them, so the workers finish together. A wrapper: the markers are set before `-m`
# selects, the order after pytest's own.
@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "backend" not in fixtures and any(m.name == "both_stores" for m in item.own_markers):
            raise pytest.UsageError(f"{item.nodeid} is marked both_stores but takes no `backend`")
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        callspec = getattr(item, "callspec", None)
        params = {str(v) for v in callspec.params.values()} if callspec else set()
        for marker, signs in _NEEDS.items():
            named = params & _PARAMETERS[marker] or fixtures & set(signs)
            if named or any(s in source for s in signs):
                item.add_marker(getattr(pytest.mark, marker))
    yield
    items[:] = slow_first_on_each_worker(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1)))


def slow_first_on_each_worker(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """`items` with the slow ones dealt in turn to the heads of the runs that worksteal first
    gives each of `workers` (the i-th gets len(left) // (workers - i) of those left).

    A slow test that shares a module-scoped fixture (a server, a broker's intake) with other
    tests of its module takes them along, right after it: pytest tears a module's fixtures
    down when the next test is of another module, so a slow test moved away alone would start
    that server once more."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    along = {id(item): _sharing_module_fixtures(item, items) for item in slow}
    taken_along = {id(other) for others in along.values() for other in others}
    rest = [
        item
        for item in items
        if not item.get_closest_marker("slow") and id(item) not in taken_along
    ]
    ordered: list[pytest.Item] = []
    left = len(items)
    for worker in range(workers):
        size = left // (workers - worker)
        share = [x for item in slow[worker::workers] for x in (item, *along[id(item)])]
        taken = max(0, size - len(share))
        ordered += share + rest[:taken]
        rest = rest[taken:]
        left -= size
    return ordered + rest


def _sharing_module_fixtures(item: pytest.Item, items: list[pytest.Item]) -> list[pytest.Item]:
    """The tests of `item`'s module, not slow, that use one of its module-scoped fixtures with
    the same parameters (the store: `backend` is module-scoped too)."""
    shared = _module_fixtures(item)
    if not shared:
        return []
    return [
        other
        for other in items
        if other is not item
        and other.module is item.module  # type: ignore[attr-defined]
        and not other.get_closest_marker("slow")
        and _module_fixtures(other) & shared
        and _module_params(other) == _module_params(item)
    ]


def _module_fixtures(item: pytest.Item) -> set[str]:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    return {
        name
        for name, defs in info.name2fixturedefs.items()
        if defs and defs[-1].scope == "module" and name != "backend"
    }


def _module_params(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend") if callspec else None
