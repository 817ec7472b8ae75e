"""HQ's review desk: approving or rejecting many catalog entries at once, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_catalog_api import heat_entry
from tests.e2e.test_units_api import error_of
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for


@pytest.fixture
def api(tmp_path: Path) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path)) as served:
        yield served


def submitted(api: InProcessApi, items: list[str]) -> tuple[str, list[str]]:
    deadline = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {
        "period": "2031H1",
        "effective_from": "2031-01-01",
        "effective_to": "2031-06-30",
        "submission_deadline": deadline,
    }
    created = api.client.post("/v1/catalog/versions", json=body, headers=api.auth())
    assert created.status_code == 201, created.text
    version_id = created.json()["id"]
    sent = api.client.post(
        f"/v1/catalog/versions/{version_id}/submissions",
        json={"entries": [heat_entry("HEAT-02", item) for item in items]},
        headers=api.auth("HEAT", "platform_admin"),
    )
    assert sent.status_code == 201, sent.text
    return version_id, sent.json()["entry_ids"]


def statuses(api: InProcessApi, version_id: str) -> dict[str, Any]:
    found = api.client.get(f"/v1/catalog/versions/{version_id}", headers=api.auth()).json()
    return {e["entry_id"]: (e["status"], e.get("reason")) for e in found["entries"]}


def test_many_entries_are_approved_or_rejected_in_one_request(api: InProcessApi) -> None:
    version_id, (a, b, c, d) = submitted(api, ["S1", "S2", "S3", "S4"])
    path = f"/v1/catalog/versions/{version_id}/entries"
    approved = api.client.post(f"{path}/approve", json={"entry_ids": [b, a]}, headers=api.auth())
    assert approved.status_code == 200, approved.text
    assert [(e["entry_id"], e["status"]) for e in approved.json()] == [
        (b, "approved"),
        (a, "approved"),
    ]
    body = {"entry_ids": [c, d], "reason": "Not a heat product."}
    rejected = api.client.post(f"{path}/reject", json=body, headers=api.auth())
    assert rejected.status_code == 200, rejected.text
    assert statuses(api, version_id) == {
        a: ("approved", None),
        b: ("approved", None),
        c: ("rejected", "Not a heat product."),
        d: ("rejected", "Not a heat product."),
    }


def test_one_entry_that_cannot_be_reviewed_leaves_all_unreviewed(api: InProcessApi) -> None:
    version_id, (a, b, c) = submitted(api, ["S1", "S2", "S3"])
    path = f"/v1/catalog/versions/{version_id}/entries"
    assert api.client.post(f"{path}/{a}/approve", headers=api.auth()).status_code == 200
    head = api.svc.store.head()
    error_of(
        api.client.post(f"{path}/approve", json={"entry_ids": [b, a, c]}, headers=api.auth()),
        409,
        "entry_already_reviewed",
    )
    error_of(
        api.client.post(f"{path}/approve", json={"entry_ids": [b, "ent_nope"]}, headers=api.auth()),
        404,
        "not_found",
    )
    twice = api.client.post(f"{path}/approve", json={"entry_ids": [b, b]}, headers=api.auth())
    assert twice.status_code == 422 and "repeated" in twice.text
    empty = api.client.post(f"{path}/approve", json={"entry_ids": []}, headers=api.auth())
    assert empty.status_code == 422
    no_reason = api.client.post(f"{path}/reject", json={"entry_ids": [b]}, headers=api.auth())
    assert no_reason.status_code == 422
    platform = api.auth("HEAT", "platform_admin")
    error_of(
        api.client.post(f"{path}/approve", json={"entry_ids": [b]}, headers=platform),
        403,
        "forbidden",
    )
    assert api.svc.store.head() == head
    assert statuses(api, version_id)[b] == ("pending", None)
