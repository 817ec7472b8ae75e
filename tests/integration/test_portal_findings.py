"""Issue 14: the inspection findings pages over HTTP — each token sees its reach's findings,
overdue ones marked in words, the unit (or its superior) reports one rectified with evidence, HQ
records a new one — through the API's bodies and handlers, nothing changed by a refusal."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    PortalUser,
    is_external,
    operator,
    unlabelled_fields,
    urls_of,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


@pytest.fixture
def days_later(api: InProcessApi) -> Iterator[Callable[[int], None]]:
    """Call it to move the app's clock some days on (sign in afterwards: a session idle that
    long has ended); the clock is put back after the test."""
    clock = api.svc.clock

    def move(days: int) -> None:
        api.svc.clock = lambda: clock() + timedelta(days=days)

    yield move
    api.svc.clock = clock


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def hq(api: InProcessApi, language: str = "en") -> PortalUser:
    return signed_in(api, "HQ", "hq_admin", language)


def due(api: InProcessApi, days: int) -> str:
    return (api.svc.today() + timedelta(days=days)).isoformat()


def recorded(api: InProcessApi, unit: str, rectify_by: str, text: str = "No procedure.") -> str:
    body = {"unit_id": unit, "issue": "incomplete_rules", "description": text}
    answer = api.client.post(
        "/v1/inspections/findings", json=body | {"rectify_by": rectify_by}, headers=api.auth()
    )
    assert answer.status_code == 201, answer.text
    finding_id: str = answer.json()["id"]
    return finding_id


def finding_json(api: InProcessApi, finding_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/inspections/findings/{finding_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def api_findings(api: InProcessApi, unit: str) -> list[dict[str, Any]]:
    answer = api.client.get(
        "/v1/inspections/findings", params={"unit_id": unit, "limit": 500}, headers=api.auth()
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def until(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether `check` holds within `seconds` (read models follow the store a moment later)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def rows(html: str) -> list[str]:
    return re.findall(r'data-finding="([^"]+)"', html)


def test_each_token_sees_its_reachs_findings(api: InProcessApi) -> None:
    heat = recorded(api, "HEAT-02", due(api, 30), "Reach test at HEAT-02.")
    coal = recorded(api, "COAL-01", due(api, 30), "Reach test at COAL-01.")
    boss = hq(api)
    assert until(lambda: {heat, coal} <= set(rows(boss.get("/findings").text)))
    platform = signed_in(api, "HEAT", "platform_admin")
    seen = rows(platform.get("/findings").text)
    assert heat in seen and coal not in seen
    own = rows(operator(api, "HEAT-02").get("/findings").text)
    assert heat in own and coal not in own
    assert platform.get("/findings?unit_id=COAL-01").status_code == 403
    assert platform.get(f"/findings/{coal}").status_code == 403
    assert operator(api, "HEAT-01").get(f"/findings/{heat}").status_code == 403
    assert platform.get("/findings/fnd_nowhere").status_code == 404
    page = platform.get("/findings").text
    assert unlabelled_fields(page) == [] and not [u for u in urls_of(page) if is_external(u)]
    chinese = hq(api, language="zh-CN").get("/findings").text
    assert "整改期限" in chinese and "被检查单位" in chinese  # "Rectification deadline", "unit"


def test_overdue_findings_are_marked_and_filtered(
    api: InProcessApi, days_later: Callable[[int], None]
) -> None:
    late = recorded(api, "SVC-01", due(api, 0), "Overdue test.")
    timely = recorded(api, "SVC-01", due(api, 60), "Not overdue test.")
    days_later(2)
    boss = hq(api)
    assert until(lambda: late in rows(boss.get("/findings?unit_id=SVC-01").text))
    listed = boss.get("/findings?unit_id=SVC-01").text
    row = re.search(rf'<tr data-finding="{late}" class="overdue">(.*?)</tr>', listed, re.S)
    assert row and "⚠ overdue: past its deadline" in row[1]  # said in words, not colour only
    assert re.search(rf'<tr data-finding="{timely}">', listed)
    overdue = rows(boss.get("/findings?status=overdue&unit_id=SVC-01").text)
    assert overdue == [late]
    assert rows(boss.get("/findings?status=open&unit_id=SVC-01").text) == [timely]
    assert "⚠ overdue" in boss.get(f"/findings/{late}").text


def test_the_unit_reports_a_finding_rectified(api: InProcessApi) -> None:
    finding_id = recorded(api, "HEAT-01", due(api, 20), "Rectify test.")
    page = f"/findings/{finding_id}"
    unit = operator(api, "HEAT-01")
    shown = unit.get(page).text
    assert "Mark rectified" in shown and unlabelled_fields(shown) == []
    blank = unit.submit(page, f"{page}/rectified", {"evidence": ""})
    assert blank.status_code == 422 and 'id="e-evidence"' in blank.text
    forged = unit.post(f"{page}/rectified", {"evidence": "Forged."})
    assert forged.status_code == 403
    assert finding_json(api, finding_id)["status"] == "open"  # nothing changed by either
    evidence = "Procedure HR-IM-02 adopted; minutes attached."
    done = unit.submit(page, f"{page}/rectified", {"evidence": evidence})
    assert done.status_code == 303 and done.headers["location"] == page
    found = finding_json(api, finding_id)
    assert (found["status"], found["evidence"], found["late"]) == ("rectified", evidence, False)
    after = unit.get(page).text
    assert "Mark rectified" not in after and f'id="finding-evidence">{evidence}<' in after
    again = unit.submit(page, f"{page}/rectified", {"evidence": "Once more."})
    assert again.status_code == 409 and "The finding is rectified already." in again.text
    assert finding_json(api, finding_id)["evidence"] == evidence
    chinese = operator(api, "HEAT-01", language="zh-CN")
    twice = chinese.submit(page, f"{page}/rectified", {"evidence": "再次。"})
    assert twice.status_code == 409 and "该检查问题已整改。" in twice.text


def test_a_superior_rectifies_for_its_unit_an_outsider_may_not(api: InProcessApi) -> None:
    finding_id = recorded(api, "PWR-03", due(api, 20), "Superior test.")
    page = f"/findings/{finding_id}"
    outsider = operator(api, "PWR-01")
    assert outsider.get(page).status_code == 403
    tried = outsider.post(f"{page}/rectified", {"csrf": outsider.csrf("/findings"),
                                                "evidence": "Not mine."})  # fmt: skip
    assert tried.status_code == 403
    assert finding_json(api, finding_id)["status"] == "open"
    platform = signed_in(api, "PWR", "platform_admin")
    done = platform.submit(page, f"{page}/rectified", {"evidence": "Platform audit closed it."})
    assert done.status_code == 303
    assert finding_json(api, finding_id)["status"] == "rectified"


def test_hq_records_a_finding_by_form(api: InProcessApi) -> None:
    boss = hq(api)
    shown = boss.get("/findings/new")
    assert shown.status_code == 200 and unlabelled_fields(shown.text) == []
    assert 'href="/findings/new"' in boss.get("/findings").text
    before = len(api_findings(api, "ENG-02"))
    fields = {"unit_id": "ENG-02", "issue": "not_following_plan",
              "description": "Design work bought outside.", "rectify_by": due(api, 30)}  # fmt: skip
    invalid = boss.submit("/findings/new", "/findings", fields | {"issue": "", "rectify_by": "x"})
    assert invalid.status_code == 422
    assert 'id="e-issue"' in invalid.text and 'id="e-rectify_by"' in invalid.text
    assert "Design work bought outside." in invalid.text  # kept as typed
    past = boss.submit("/findings/new", "/findings", fields | {"rectify_by": due(api, -3)})
    assert past.status_code == 409
    assert "The rectification deadline cannot be before today." in past.text
    unknown = boss.submit("/findings/new", "/findings", fields | {"unit_id": "ENG-99"})
    assert unknown.status_code == 404 and 'id="e-unit_id"' in unknown.text
    assert boss.post("/findings", fields).status_code == 403  # no CSRF token
    platform = signed_in(api, "ENG", "platform_admin")
    assert platform.get("/findings/new").status_code == 403
    assert 'href="/findings/new"' not in platform.get("/findings").text
    assert platform.submit("/findings", "/findings", fields).status_code == 403
    assert len(api_findings(api, "ENG-02")) == before  # nothing recorded by any of these

    done = boss.submit("/findings/new", "/findings", fields)
    assert done.status_code == 303
    finding_id = done.headers["location"].rsplit("/", 1)[1]
    found = finding_json(api, finding_id)
    assert (found["unit_id"], found["issue"], found["status"]) == (
        "ENG-02", "not_following_plan", "open",
    )  # fmt: skip
    assert found["rectify_by"] == fields["rectify_by"]


def test_the_list_pages_by_the_nearest_deadline(api: InProcessApi) -> None:
    start = date.fromisoformat(due(api, 10))
    ids = [recorded(api, "SVC-03", (start + timedelta(days=n)).isoformat()) for n in range(21)]
    boss = hq(api)
    assert until(lambda: len(api_findings(api, "SVC-03")) >= 21)
    first = boss.get("/findings?unit_id=SVC-03&status=open").text
    assert rows(first) == ids[:20]
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following and "unit_id=SVC-03" in following[1] and "status=open" in following[1]
    assert rows(boss.get(following[1].replace("&amp;", "&")).text) == [ids[20]]
