"""`/notifications` and a subscription's deliveries over HTTP: a matched supplier lists the need's
notification (unread filter, paging, its link), marks it read or all read through the API's
handlers; another unit's is the 404 page; a subscription's deliveries show each attempt and one
is sent again, to a real receiver; another unit's deliveries are refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import REQUIRED_BY, PortalUser, unlabelled_fields, urls_of

PAGE = "/notifications"
SUPPLIER, OTHER_SUPPLIER, BUYER = "HEAT-02", "PWR-01", "COAL-01"  # matched to STEAM-LP


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def signed_in(
    api: InProcessApi, unit: str, role: str = "unit_operator", language: str = "en"
) -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def post_need(api: InProcessApi, title: str) -> str:
    """A need for steam, COAL-01's: HEAT-02 and PWR-01 are its matched suppliers."""
    body = {"demand_unit_id": BUYER, "title": title, "category": "product",
            "subcategory": "heat", "item_code": "STEAM-LP", "quantity": "300", "uom": "t",
            "required_by": REQUIRED_BY, "budget_amount": "60000.00",
            "business_type": "regular", "sourcing": "direct"}  # fmt: skip
    answer = api.client.post("/v1/needs", json=body, headers=api.auth(BUYER, "unit_operator"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def notices(api: InProcessApi, unit: str, unread: bool = False) -> list[dict[str, Any]]:
    params = {"limit": 200} | ({"unread": "true"} if unread else {})
    answer = api.client.get(
        "/v1/notifications", params=params, headers=api.auth(unit, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def notice_of(api: InProcessApi, unit: str, need_id: str) -> dict[str, Any]:
    [found] = [n for n in notices(api, unit) if n["subject"] == need_id]
    return found


def card(html: str, subject: str) -> str:
    """The list item of the notification about `subject` (empty when there is none)."""
    parts = html.split(f'data-subject="{subject}"')
    return parts[1].split("</li>")[0] if len(parts) > 1 else ""


def badge(html: str) -> str:
    return html.split('id="notices-badge"')[1].split(">")[1].split("<")[0]


def test_a_matched_supplier_sees_the_need_and_marks_it_read(api: InProcessApi) -> None:
    need = post_need(api, "Steam for the notification centre")
    me = signed_in(api, SUPPLIER)
    page = me.get(PAGE)
    assert page.status_code == 200, page.text
    shown = card(page.text, need)
    assert "Steam for the notification centre" in shown and f'href="/needs/{need}"' in shown
    assert "Mark read" in shown
    assert unlabelled_fields(page.text) == [] and '<a href="/settings/subscriptions"' in page.text
    assert int(badge(page.text)) == len(notices(api, SUPPLIER, unread=True)) >= 1
    assert card(me.get(f"{PAGE}?unread=1").text, need)

    notice = notice_of(api, SUPPLIER, need)
    marked = me.submit(f"{PAGE}?unread=1", f"{PAGE}/{notice['id']}/read", {"unread": "1"})
    assert marked.status_code == 303 and marked.headers["location"] == f"{PAGE}?unread=1"
    assert notice_of(api, SUPPLIER, need)["read"] is True
    assert not card(me.get(f"{PAGE}?unread=1").text, need)
    again = card(me.get(PAGE).text, need)
    assert again and "Mark read" not in again
    # Marking again changes nothing and is no error.
    assert me.submit(PAGE, f"{PAGE}/{notice['id']}/read", {}).status_code == 303


def test_a_text_shows_as_typed_and_never_as_markup(api: InProcessApi) -> None:
    need = post_need(api, 'Steam <b>"dry"</b> & hot')
    shown = card(signed_in(api, SUPPLIER).get(PAGE).text, need)
    assert '&lt;b&gt;"dry"&lt;/b&gt; &amp; hot' in shown and "<b>" not in shown


def test_another_units_notification_is_the_404_page_and_stays_unread(api: InProcessApi) -> None:
    need = post_need(api, "Steam that only suppliers hear of")
    notice = notice_of(api, SUPPLIER, need)
    buyer = signed_in(api, BUYER)
    assert not card(buyer.get(PAGE).text, need)  # the demand unit is not notified of its post
    refused = buyer.submit(PAGE, f"{PAGE}/{notice['id']}/read", {})
    assert refused.status_code == 404
    other = signed_in(api, OTHER_SUPPLIER)
    assert other.submit(PAGE, f"{PAGE}/{notice['id']}/read", {}).status_code == 404
    assert notice_of(api, SUPPLIER, need)["read"] is False


def test_all_read_at_once_by_the_page_and_by_the_api(api: InProcessApi) -> None:
    first, second = post_need(api, "Steam A"), post_need(api, "Steam B")
    me = signed_in(api, OTHER_SUPPLIER)
    page = me.get(f"{PAGE}?unread=1")
    assert card(page.text, first) and card(page.text, second)
    done = me.submit(f"{PAGE}?unread=1", f"{PAGE}/read-all", {"unread": "1"})
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?unread=1"
    assert notices(api, OTHER_SUPPLIER, unread=True) == []
    emptied = me.get(f"{PAGE}?unread=1")
    assert "No unread notifications." in emptied.text and badge(emptied.text) == ""
    assert notice_of(api, SUPPLIER, first)["read"] is False  # another unit's stay as they were

    third = post_need(api, "Steam C")
    headers = api.auth(OTHER_SUPPLIER, "unit_operator")
    assert api.client.post("/v1/notifications/read-all", headers=headers).status_code == 204
    assert notice_of(api, OTHER_SUPPLIER, third)["read"] is True
    count = api.client.get("/v1/notifications/unread-count", headers=headers)
    assert count.json()["unread"] == 0
    fourth = post_need(api, "Steam D")
    assert api.client.post("/v1/notifications/read-all", headers=api.auth()).status_code == 204
    assert notice_of(api, OTHER_SUPPLIER, fourth)["read"] is False  # HQ marked its own only


def test_the_list_pages_and_speaks_chinese(api: InProcessApi) -> None:
    needs = [post_need(api, f"Paged steam {n}") for n in range(22)]
    me = signed_in(api, SUPPLIER, language="zh-CN")
    first = me.get(PAGE)
    assert "通知" in first.text and "仅看未读" in first.text and "全部标为已读" in first.text
    assert card(first.text, needs[-1]) and not card(first.text, needs[0])  # newest first
    [older] = [u for u in urls_of(first.text) if u.startswith(f"{PAGE}?cursor=")]
    second = me.get(older.replace("&amp;", "&"))
    assert second.status_code == 200 and card(second.text, needs[1])


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on a free port: answers 204 and records each `webhook-id`."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.ids.append(self.headers.get("webhook-id", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll `check` until it is truthy (the sender works in the app's own loop); its value."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
    return found


def deliveries(api: InProcessApi, subscription: str, unit: str) -> list[dict[str, Any]]:
    answer = api.client.get(
        f"/v1/subscriptions/{subscription}/deliveries", headers=api.auth(unit, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_deliveries_show_their_attempts_and_one_is_sent_again(
    api: InProcessApi, receiver: Receiver
) -> None:
    unit = "PWR-01"
    body = {"unit_id": unit, "channel": "webhook", "endpoint": receiver.url,
            "event_types": ["marketplace.need.posted.v1"]}  # fmt: skip
    made = api.client.post("/v1/subscriptions", json=body, headers=api.auth(unit, "unit_operator"))
    assert made.status_code == 201, made.text
    subscription = made.json()["id"]
    need = post_need(api, "Steam for the webhook")
    event = notice_of(api, unit, need)
    [delivery] = until(
        lambda: [d for d in deliveries(api, subscription, unit) if d["status"] == "delivered"]
    )
    assert event["id"] == delivery["notification_id"]

    me = signed_in(api, unit)
    settings = me.get(f"/settings/subscriptions?unit_id={unit}")
    path = f"/settings/subscriptions/{subscription}/deliveries"
    assert f'href="{path}"' in settings.text
    page = me.get(path)
    assert page.status_code == 200, page.text
    row = page.text.split(f'data-delivery="{delivery["id"]}"')[1].split("</tr>")[0]
    assert delivery["event_id"] in row and "HTTP 204" in row and "delivered" in row
    assert unlabelled_fields(page.text) == []
    assert delivery["id"] not in me.get(f"{path}?status=dead").text
    assert delivery["id"] in me.get(f"{path}?status=delivered").text

    sent = me.submit(path, f"{path}/{delivery['id']}/redeliver", {"status": "delivered"})
    assert sent.status_code == 303 and sent.headers["location"] == f"{path}?status=delivered"
    until(lambda: receiver.ids.count(delivery["event_id"]) == 2)
    attempts = until(
        lambda: [d for d in deliveries(api, subscription, unit) if len(d["attempts"]) == 2]
    )
    assert [a["http_status"] for a in attempts[0]["attempts"]] == [204, 204]


def test_another_units_deliveries_are_refused(api: InProcessApi) -> None:
    unit = "HEAT-01"
    body = {"unit_id": unit, "channel": "webhook", "endpoint": "http://127.0.0.1:9/h",
            "event_types": ["*"]}  # fmt: skip
    made = api.client.post("/v1/subscriptions", json=body, headers=api.auth(unit, "unit_operator"))
    assert made.status_code == 201, made.text
    path = f"/settings/subscriptions/{made.json()['id']}/deliveries"
    assert signed_in(api, unit).get(path).status_code == 200
    sibling = signed_in(api, "HEAT-02")
    assert sibling.get(path).status_code == 403
    assert sibling.submit("/notifications", f"{path}/dlv_x/redeliver", {}).status_code == 404
    assert signed_in(api, "HQ", "bi_reader").get(path).status_code == 403
    assert (
        signed_in(api, unit).get("/settings/subscriptions/sub_nope/deliveries").status_code == 404
    )
