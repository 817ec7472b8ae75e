"""`marketplace catalog import|export` on a real store: all-or-nothing, line numbers, CSV out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.access_token import Role
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import service_env
from tests.e2e.test_health_and_cli import cli
from tests.integration.conftest import services_on

HQ = Principal("tok_hq", "HQ", frozenset({Role.HQ_ADMIN}))
HEADER = (
    "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price,capacity,"
    "regions\n"
)


def test_a_platform_submits_a_csv_and_the_catalog_in_force_exports(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    env = service_env(tmp_path, backend, schema)
    demo = Path(__file__).resolve().parents[2] / "marketplace/demo/organisation.yaml"
    assert cli(env, "units", "import", str(demo)).returncode == 0
    location = (
        StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
        if schema
        else StoreLocation(sqlite_path=tmp_path / "data" / "events.sqlite3")
    )
    store = EventSourcingStore(location)
    svc = services_on(store)
    version = catalog.open_version(
        svc,
        HQ,
        catalog.OpenVersion(
            "2027H1", date(2027, 1, 1), date(2027, 6, 30), datetime(2030, 1, 1, tzinfo=UTC)
        ),
    )

    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "COAL-01,product,coal_chemical,MEOH,Methanol,t,2450.00,,north;west\n"
        + "COAL-02,product,fertiliser,UREA,Urea,t,2100,,\n"
        + "COAL-03,product,coal_chemical,COAL-5500,Thermal coal,t,abc,,\n"
    )
    refused = cli(env, "catalog", "import", str(bad), "--version", version.id, "--platform", "COAL")
    assert refused.returncode == 1
    assert "line 3" in refused.stderr and "line 4" in refused.stderr
    assert "line 2" not in refused.stderr

    # Every kind of wrong line is named in the one run: values, the supplier's place in the
    # platform's subtree, an unknown supplier, the taxonomy, duplicates within the file.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        HEADER
        + "COAL-01,product,coal_chemical,MEOH,Methanol,t,2450.00,,\n"
        + "PWR-01,product,coal_chemical,COKE,Coke,t,900,,\n"
        + "NOPE-9,product,coal_chemical,TAR,Tar,t,300,,\n"
        + "COAL-02,product,fertiliser,UREA,Urea,t,2100,,\n"
        + "COAL-01,product,coal_chemical,MEOH,Methanol again,t,2400,,\n"
        + "COAL-03,product,coal_chemical,COAL-5500,Thermal coal,t,-1,,\n"
    )
    refused = cli(
        env, "catalog", "import", str(mixed), "--version", version.id, "--platform", "COAL"
    )
    assert refused.returncode == 1
    problems = [ln for ln in refused.stderr.splitlines() if ln.startswith("  - ")]
    assert [p.split(":")[0] for p in problems] == [
        "  - line 3",
        "  - line 4",
        "  - line 5",
        "  - line 6",
        "  - line 7",
    ], refused.stderr
    assert "subtree" in problems[0] and "does not exist" in problems[1]
    assert "duplicate_entry" in problems[3] and "reference_price" in problems[4]

    good = tmp_path / "coal.csv"
    good.write_text(
        HEADER
        + "COAL-01,product,coal_chemical,MEOH,Methanol,t,2450.00,,north;west\n"
        + "COAL-02,product,coal_chemical,UREA,Urea,t,2100,,\n"
        + "COAL-03,product,coal_chemical,COAL-5500,Thermal coal,t,780,,\n"
    )
    done = cli(env, "catalog", "import", str(good), "--version", version.id, "--platform", "COAL")
    assert done.returncode == 0, done.stderr
    again = cli(env, "catalog", "import", str(good), "--version", version.id, "--platform", "COAL")
    assert again.returncode == 1 and "line 2" in again.stderr and "duplicate_entry" in again.stderr

    loaded = catalog.load_version(svc, version.id)
    assert len(loaded.entries) == 3
    for entry_id in loaded.entries:
        catalog.review_entry(svc, HQ, version.id, entry_id, None)
    catalog.publish_version(svc, HQ, version.id)
    store.close()

    exported = cli(env, "catalog", "export", "--at", "2027-03-01")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0].startswith("version_id,period,supplier_unit_id")
    assert [line.split(",")[5] for line in lines[1:]] == ["COAL-5500", "MEOH", "UREA"]
    assert "north;west" in exported.stdout
    missing = cli(env, "catalog", "export", "--at", "2026-01-01")
    assert missing.returncode == 1 and "No catalog version" in missing.stderr
