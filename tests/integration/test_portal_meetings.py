"""Issue 18: the work meeting pages over HTTP — HQ schedules the half year's regular meeting and
records its minutes; a platform's admin asks for an ad-hoc meeting and HQ answers; a unit marks
its action item done — each through the API's body and handler, refused as the API refuses."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, operator, unlabelled_fields


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def test_hq_schedules_a_regular_meeting_once_a_half_year(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    page = hq.get("/meetings")
    assert page.status_code == 200 and "Schedule the regular meeting" in page.text
    assert unlabelled_fields(page.text) == []
    fields = {
        "half_year": "2030H2",
        "scheduled_for": "2030-09-10T09:00",
        "agenda": "Trade by platform\nSpare parts",
        "invitees": "PWR HEAT",
        "working_group_id": "",
    }
    scheduled = hq.submit("/meetings", "/meetings", fields)
    assert scheduled.status_code == 303, scheduled.text
    meeting_page = scheduled.headers["location"]
    shown = hq.get(meeting_page)
    assert "Spare parts" in shown.text and "Record the minutes" in shown.text
    again = hq.submit("/meetings", "/meetings", fields)
    assert again.status_code == 409
    assert "This half year has its regular meeting already." in again.text
    bad = hq.submit("/meetings", "/meetings", fields | {"half_year": "2030Q3"})
    assert bad.status_code == 422

    minutes = {
        "attendees": "PWR HEAT",
        "d0_text": "Share spare parts.",
        "d0_a0_owner": "PWR-01",
        "d0_a0_due": "2020-01-31",
        "d0_a0_text": "Send the list",
    }
    recorded = hq.submit(meeting_page, f"{meeting_page}/minutes", minutes)
    assert recorded.status_code == 303, recorded.text
    shown = hq.get(meeting_page)
    assert "Share spare parts." in shown.text and "Record the minutes" not in shown.text

    unit = operator(api, "PWR-01")
    items = unit.get("/action-items?status=overdue")
    assert items.status_code == 200 and "Send the list" in items.text
    assert unlabelled_fields(items.text) == []
    (item_id,) = re.findall(r'data-item="([^"]+)" class="overdue">\s*<th scope="row">Send the list',
                            items.text)  # fmt: skip
    other = operator(api, "PWR-02")
    refused = other.submit("/action-items", f"/action-items/{item_id}/done", {"evidence": "x"})
    assert refused.status_code == 403
    done = unit.submit("/action-items", f"/action-items/{item_id}/done", {"evidence": "Sent."})
    assert done.status_code == 303
    twice = unit.submit("/action-items", f"/action-items/{item_id}/done", {"evidence": "Again"})
    assert twice.status_code == 409 and "done already" in twice.text


def test_a_platform_asks_and_hq_accepts_or_declines(api: InProcessApi) -> None:
    pwr = signed_in(api, "PWR", "platform_admin")
    page = pwr.get("/meeting-requests")
    assert page.status_code == 200 and unlabelled_fields(page.text) == []
    several = pwr.submit("/meeting-requests", "/meeting-requests",
                         {"matter": "Coal\nSteam", "report": "R"})  # fmt: skip
    assert several.status_code == 422 and "One matter per request" in several.text
    filed = pwr.submit("/meeting-requests", "/meeting-requests",
                       {"matter": "Idle repair crews", "report": "Two crews idle."})  # fmt: skip
    assert filed.status_code == 303
    hq = signed_in(api, "HQ", "hq_admin")
    listed = hq.get("/meeting-requests?status=pending")
    assert unlabelled_fields(listed.text) == []
    request_id = re.search(
        r'data-request="([^"]+)">\s*<th scope="row">Idle repair crews', listed.text
    )
    assert request_id is not None
    path = f"/meeting-requests/{request_id[1]}"
    accepted = hq.submit("/meeting-requests", f"{path}/accept",
                         {"scheduled_for": "2030-10-01T09:00"})  # fmt: skip
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/meetings/")
    again = hq.submit("/meeting-requests", f"{path}/decline", {"reason": "No"})
    assert again.status_code == 409 and "answered this request already" in again.text
    not_hq = pwr.submit("/meeting-requests", f"{path}/decline", {"reason": "No"})
    assert not_hq.status_code == 403


def test_the_pages_speak_chinese(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    assert "工作会议" in hq.get("/meetings").text
    assert "会议申请" in hq.get("/meeting-requests").text
    assert "会议待办事项" in hq.get("/action-items").text
