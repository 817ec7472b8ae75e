"""Issue 14: the quarterly report page `/reports` over HTTP — the figures of
`GET /v1/reports/quarterly` for a unit in the token's reach, its submission once the quarter is
over (frozen, as the API shows), refusals as sentences, nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from marketplace.aggregates.report import Quarter
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, unlabelled_fields

_FIGURE = re.compile(r'data-figure="([^"]+)">([^<]*)<')


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def quarters(api: InProcessApi) -> tuple[str, str]:
    """The current quarter (the demo's contracts are in it) and the one before, ended."""
    today = api.svc.today()
    now = Quarter(today.year, (today.month - 1) // 3 + 1)
    before = Quarter(now.year - 1, 4) if now.number == 1 else Quarter(now.year, now.number - 1)
    return str(now), str(before)


def report_json(api: InProcessApi, unit: str, quarter: str) -> dict[str, Any]:
    answer = api.client.get(
        "/v1/reports/quarterly", params={"unit_id": unit, "quarter": quarter}, headers=api.auth()
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def flat(figures: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """`{"a": {"b": 1}}` → `{"a.b": "1"}`, as the page names its cells."""
    found: dict[str, str] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found |= flat(value, f"{name}.")
        else:
            found[name] = str(value)
    return found


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def test_the_figures_are_the_apis(api: InProcessApi) -> None:
    current, previous = quarters(api)
    coal = signed_in(api, "COAL", "platform_admin")
    shown = coal.get(f"/reports?unit_id=COAL&quarter={current}")
    assert shown.status_code == 200
    assert not unlabelled_fields(shown.text)
    figures = report_json(api, "COAL", current)["figures"]
    assert figures["internal_trade"]["as_buyer"]["contracts"] > 0  # the demo's contracts
    # The demo's meeting: COAL-01's item done, COAL's request filed.
    assert figures["action_items"]["done"] >= 1 and figures["meeting_requests"]["filed"] >= 1
    assert dict(_FIGURE.findall(shown.text)) == flat(figures)
    assert "Submit the report" not in shown.text  # the quarter is not over
    assert "The quarter is not over yet" in shown.text

    default = coal.get("/reports")  # its own unit, the last ended quarter
    assert default.status_code == 200
    assert f'<option value="{previous}" selected>' in default.text
    assert '<option value="COAL" selected>' in default.text
    assert dict(_FIGURE.findall(default.text)) == flat(
        report_json(api, "COAL", previous)["figures"]
    )


def test_submit_an_ended_quarter(api: InProcessApi) -> None:
    current, previous = quarters(api)
    heat = signed_in(api, "HEAT", "platform_admin")
    page = f"/reports?unit_id=HEAT&quarter={previous}"
    assert "Submit the report" in heat.get(page).text
    form = {"unit_id": "HEAT", "quarter": previous}
    assert heat.post("/reports/submit", form).status_code == 403  # no CSRF token
    assert report_json(api, "HEAT", previous)["submitted"] is None

    done = heat.submit(page, "/reports/submit", form)
    assert done.status_code == 303 and done.headers["location"] == page
    frozen = report_json(api, "HEAT", previous)["submitted"]
    assert frozen is not None and frozen["submitted_by"]["unit_id"] == "HEAT"
    shown = heat.get(page).text
    assert "the figures are frozen" in shown and "Submit the report" not in shown
    assert dict(_FIGURE.findall(shown)) == flat(frozen["figures"])

    again = heat.submit(page, "/reports/submit", form)
    assert again.status_code == 409
    assert "This report was submitted already; a submitted report never changes." in again.text

    early = heat.submit(page, "/reports/submit", {"unit_id": "HEAT", "quarter": current})
    assert early.status_code == 409
    assert "The quarter is not over yet: its report can be submitted after it." in early.text
    assert report_json(api, "HEAT", current)["submitted"] is None


def test_reach_and_wrong_pickers(api: InProcessApi) -> None:
    _, previous = quarters(api)
    coal = signed_in(api, "COAL", "platform_admin")
    assert coal.get(f"/reports?unit_id=HEAT&quarter={previous}").status_code == 403
    refused = coal.submit("/reports", "/reports/submit", {"unit_id": "HEAT", "quarter": previous})
    assert refused.status_code == 403
    assert report_json(api, "HEAT-01", previous)["submitted"] is None
    operator = signed_in(api, "COAL-01", "unit_operator")
    assert operator.get(f"/reports?unit_id=COAL-02&quarter={previous}").status_code == 403
    assert operator.get(f"/reports?unit_id=COAL-01&quarter={previous}").status_code == 200

    wrong = coal.get("/reports?unit_id=COAL&quarter=2027Q5")
    assert wrong.status_code == 422 and 'id="e-quarter"' in wrong.text
    assert coal.get(f"/reports?unit_id=NOPE-9&quarter={previous}").status_code == 403
    hq = signed_in(api, "HQ", "hq_admin")
    assert hq.get(f"/reports?unit_id=NOPE-9&quarter={previous}").status_code == 404


def test_chinese_labels(api: InProcessApi) -> None:
    _, previous = quarters(api)
    chinese = signed_in(api, "PWR", "platform_admin", "zh-CN")
    shown = chinese.get(f"/reports?unit_id=PWR&quarter={previous}").text
    assert "季度报告" in shown and "各单位的内部交易" in shown and "提交报告" in shown
