"""Issue 15 item 5: HQ's `/reports` without a unit — every platform's quarterly report for a
quarter, submitted (when, by whom) or missing, each linking to the platform's report page."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest

from marketplace.aggregates.report import Quarter
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

PLATFORMS = ("COAL", "ENG", "HEAT", "PWR", "SVC")  # the demo chart's


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def ended_quarter(api: InProcessApi) -> str:
    today = api.svc.today()
    now = Quarter(today.year, (today.month - 1) // 3 + 1)
    return str(Quarter(now.year - 1, 4) if now.number == 1 else Quarter(now.year, now.number - 1))


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def row_of(html: str, unit: str) -> str:
    return html.split(f'data-unit="{unit}"', 1)[1].split("</tr>", 1)[0]


def test_hq_sees_every_platform_submitted_or_missing(api: InProcessApi) -> None:
    quarter = ended_quarter(api)
    submitted = api.client.post(
        "/v1/reports/quarterly/submit",
        json={"unit_id": "HEAT", "quarter": quarter},
        headers=api.auth("HEAT", "platform_admin"),
    )
    assert submitted.status_code == 201, submitted.text
    token_id = api.client.get(
        "/v1/reports/quarterly", params={"unit_id": "HEAT", "quarter": quarter}, headers=api.auth()
    ).json()["submitted"]["submitted_by"]["token_id"]

    hq = signed_in(api, "HQ", "hq_admin")
    shown = hq.get("/reports")  # the last ended quarter by default
    assert shown.status_code == 200
    html = shown.text
    assert not unlabelled_fields(html)
    assert not [u for u in urls_of(html) if is_external(u)]
    assert [u for u in PLATFORMS if f'data-unit="{u}"' in html] == list(PLATFORMS)
    assert 'data-unit="HQ"' not in html and 'data-unit="HEAT-01"' not in html
    heat = row_of(html, "HEAT")
    assert 'data-status="submitted"' in heat and "HEAT" in heat and token_id in heat
    for unit in ("COAL", "ENG", "PWR", "SVC"):
        assert 'data-status="missing"' in row_of(html, unit)
    assert f"{quarter}: 1 of 5 platforms have submitted their report." in html
    link = f"/reports?unit_id=HEAT&amp;quarter={quarter}"
    assert link in html
    report = hq.get(unescape(link))
    assert report.status_code == 200 and 'id="report-submitted"' in report.text
    assert 'id="to-overview"' in report.text

    # Another quarter: nobody has submitted it.
    earlier = hq.get("/reports?quarter=2020Q1").text
    assert "2020Q1: 0 of 5 platforms have submitted their report." in earlier
    assert 'data-status="submitted"' not in earlier


def test_a_wrong_quarter_and_the_others_view(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    wrong = hq.get("/reports?quarter=2027Q5")
    assert wrong.status_code == 422
    assert "This value is not valid." in wrong.text
    assert 'id="report-statuses"' not in wrong.text

    # A platform admin still gets its own report, not the overview.
    heat = signed_in(api, "HEAT", "platform_admin")
    own = heat.get("/reports").text
    assert 'id="report-statuses"' not in own and 'id="to-overview"' not in own
    assert 'id="figures-internal_trade"' in own


def test_chinese_overview(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    html = hq.get("/reports").text
    assert "各平台的季度报告" in html and "未提交" in html
