"""`/settings/subscriptions` over HTTP: a unit lists, adds (a webhook's secret on that answer
only) and removes its subscriptions and sets its notifications' language, through the API's
bodies and handlers; refused endpoints are said beside the field, in both languages; others
get 403 pages and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

PAGE = "/settings/subscriptions"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def listed(api: InProcessApi, unit: str) -> list[dict[str, object]]:
    answer = api.client.get("/v1/subscriptions", params={"unit_id": unit}, headers=api.auth())
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_a_unit_adds_a_webhook_sees_its_secret_once_and_removes_it(api: InProcessApi) -> None:
    me = signed_in(api, "COAL-01", "unit_operator")
    empty = me.get(PAGE)
    assert empty.status_code == 200
    assert "No subscriptions yet" in empty.text
    assert unlabelled_fields(empty.text) == []
    assert not [u for u in urls_of(empty.text) if is_external(u)]

    fields = {"unit_id": "COAL-01", "channel": "webhook", "endpoint": "http://127.0.0.1:9/h"}
    made = me.submit(PAGE, PAGE, fields | {"event_types": "marketplace.need.posted.v1"})
    assert made.status_code == 201, made.text
    secret = made.text.split('id="new-secret" class="ids">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    [row] = listed(api, "COAL-01")
    assert row["endpoint"] == "http://127.0.0.1:9/h"
    assert row["event_types"] == ["marketplace.need.posted.v1"]

    again = me.get(PAGE)
    assert "http://127.0.0.1:9/h" in again.text and secret not in again.text
    assert "new-secret" not in again.text
    removed = me.submit(PAGE, f"{PAGE}/{row['id']}/remove", {"unit_id": "COAL-01"})
    assert removed.status_code == 303 and removed.headers["location"].startswith(PAGE)
    assert [r["status"] for r in listed(api, "COAL-01")] == ["removed"]


def test_an_email_subscription_shows_no_secret(api: InProcessApi) -> None:
    me = signed_in(api, "COAL-02", "unit_operator")
    fields = {"unit_id": "COAL-02", "channel": "email", "endpoint": "ops@coal-02.example.com"}
    made = me.submit(PAGE, PAGE, fields | {"event_types": "*"})
    assert made.status_code == 201, made.text
    assert "new-secret" not in made.text and "whsec_" not in made.text
    assert [r["channel"] for r in listed(api, "COAL-02")] == ["email"]


@pytest.mark.parametrize(
    ("channel", "endpoint", "types", "field", "said"),
    [
        ("webhook", "https://169.254.169.254/latest", "*", "endpoint", "link-local"),
        ("webhook", "http://192.0.2.1/hook", "*", "endpoint", "must use https"),
        ("email", "not an address", "*", "endpoint", "name@example.com"),
        ("webhook", "http://127.0.0.1:9/h", "marketplace.need.eaten.v1", "event_types", "Unknown"),
        ("webhook", "http://127.0.0.1:9/h", "", "event_types", "required"),
        ("pigeon", "http://127.0.0.1:9/h", "*", "channel", "Choose one"),
    ],
)
def test_refused_fields_are_said_beside_them_and_change_nothing(
    api: InProcessApi, channel: str, endpoint: str, types: str, field: str, said: str
) -> None:
    me = signed_in(api, "COAL-03", "unit_operator")
    head = api.svc.store.head()
    fields = {"unit_id": "COAL-03", "channel": channel, "endpoint": endpoint}
    answer = me.submit(PAGE, PAGE, fields | {"event_types": types})
    assert answer.status_code == 422, answer.text
    error = answer.text.split(f'id="e-{field}">')[1].split("</p>")[0]
    assert said in error
    assert api.svc.store.head() == head


def test_the_page_speaks_chinese(api: InProcessApi) -> None:
    me = signed_in(api, "HEAT-01", "unit_operator", language="zh-CN")
    page = me.get(PAGE)
    assert "通知订阅" in page.text and "添加订阅" in page.text and "通知语言" in page.text
    fields = {"unit_id": "HEAT-01", "channel": "webhook", "endpoint": "https://[fe80::1]/h"}
    refused = me.submit(PAGE, PAGE, fields | {"event_types": "*"})
    assert refused.status_code == 422 and "链路本地" in refused.text


def test_a_unit_sets_its_language_and_a_platform_admin_chooses_among_its_units(
    api: InProcessApi,
) -> None:
    me = signed_in(api, "HEAT-02", "unit_operator")
    saved = me.submit(PAGE, f"{PAGE}/language", {"unit_id": "HEAT-02", "language": "en"})
    assert saved.status_code == 303
    answer = api.client.get("/v1/units/HEAT-02", headers=api.auth())
    assert answer.json()["language"] == "en"

    admin = signed_in(api, "HEAT", "platform_admin")
    page = admin.get(f"{PAGE}?unit_id=HEAT-02")
    assert page.status_code == 200
    assert '<option value="HEAT-01"' in page.text and '<option value="PWR-01"' not in page.text
    fields = {"unit_id": "HEAT-02", "channel": "webhook", "endpoint": "http://localhost:9/h"}
    made = admin.submit(f"{PAGE}?unit_id=HEAT-02", PAGE, fields | {"event_types": "*"})
    assert made.status_code == 201, made.text
    assert [r["unit_id"] for r in listed(api, "HEAT-02")] == ["HEAT-02"]


def test_others_get_403_pages_and_change_nothing(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    fields = {"unit_id": "ENG-01", "channel": "webhook", "endpoint": "http://127.0.0.1:9/h"}
    assert hq.submit(PAGE, PAGE, fields | {"event_types": "*"}).status_code == 201
    [row] = listed(api, "ENG-01")

    sibling = signed_in(api, "ENG-02", "unit_operator")
    assert sibling.get(f"{PAGE}?unit_id=ENG-01").status_code == 403
    head = api.svc.store.head()
    assert sibling.submit(PAGE, PAGE, fields | {"event_types": "*"}).status_code == 403
    gone = sibling.submit(PAGE, f"{PAGE}/{row['id']}/remove", {"unit_id": "ENG-01"})
    assert gone.status_code == 403
    language = {"unit_id": "ENG-01", "language": "en"}
    assert sibling.submit(PAGE, f"{PAGE}/language", language).status_code == 403
    assert signed_in(api, "HQ", "bi_reader").get(f"{PAGE}?unit_id=ENG-01").status_code == 403
    assert api.svc.store.head() == head

    auditor = signed_in(api, "HQ", "auditor")
    read = auditor.get(f"{PAGE}?unit_id=ENG-01")
    assert read.status_code == 200 and "http://127.0.0.1:9/h" in read.text
    assert "Add a subscription" not in read.text and "/remove" not in read.text
