"""Issue 14: the tender's page `/tenders/{id}` over HTTP — sealed bids and their replacement,
only the count before opening, opening after the deadline, the ranking with its reasons, the
award — each through the API's body and handler, refused as the API refuses, nothing changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    REQUIRED_BY,
    PortalUser,
    is_external,
    need_form,
    need_json,
    operator,
    unlabelled_fields,
    urls_of,
)

AMOUNTS = ("1020.37", "1010.59", "1005.83", "1000.91")  # never on a page before opening
WINDOW = timedelta(minutes=5)  # launch to deadline; the tests move the clock past it


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


@pytest.fixture
def later(api: InProcessApi) -> Iterator[Callable[[], None]]:
    """Call it to move the app's clock past every deadline of these tests (sessions live on:
    their idle limit is longer); the clock is put back after the test."""
    clock = api.svc.clock

    def move() -> None:
        api.svc.clock = lambda: clock() + 2 * WINDOW

    yield move
    api.svc.clock = clock


def tender_json(api: InProcessApi, tender_id: str, unit: str = "COAL-01") -> dict[str, Any]:
    found: dict[str, Any] = api.client.get(
        f"/v1/tenders/{tender_id}", headers=api.auth(unit, "unit_operator")
    ).json()
    return found


def launched_tender(api: InProcessApi, buyer: PortalUser, title: str) -> tuple[str, str]:
    """A tender need posted and its tender launched from the need's page: (need, tender)."""
    posted = buyer.submit("/needs/new", "/needs", need_form(title=title, sourcing="tender"))
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page = f"/needs/{need_id}"
    deadline = api.svc.clock().astimezone(api.svc.zone) + WINDOW
    form = {
        "invitees": ["HEAT-02", "PWR-01"],
        "more_invitees": "",
        "bid_deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S"),
        "internal_preference_margin_pct": "2",
        "omission_filing": "",
    }
    launched = buyer.post(f"{page}/tender", {"csrf": buyer.csrf(page), **form})
    assert launched.status_code == 303, launched.text
    tender_id = str(need_json(api, need_id)["tender_id"])
    return need_id, tender_id


def bid_form(amount: str, unit: str) -> dict[str, str]:
    return {"supplier_unit_id": unit, "amount": amount, "delivery_date": REQUIRED_BY}


def no_amount_on(html: str) -> bool:
    return not any(a in html for a in AMOUNTS)


def until(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether `check` holds within `seconds` (read models follow the store a moment later)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


COUNT_3 = re.compile(r'id="tender-bid-count"[^>]*>3<')


def test_suppliers_bid_and_replace_and_everyone_sees_only_the_count(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    need_id, tender_id = launched_tender(api, buyer, "Steam by sealed bids")
    page = f"/tenders/{tender_id}"
    assert f'href="{page}"' in buyer.get(f"/needs/{need_id}").text  # linked from the need
    heat, power = operator(api, "HEAT-02"), operator(api, "PWR-01")
    assert until(lambda: f'href="{page}"' in heat.get("/inbox").text)  # and from the inbox
    shown = heat.get(page)
    assert shown.status_code == 200 and "Steam by sealed bids" in shown.text
    assert re.search(r'data-unit="HEAT-02">HEAT-02: no bid yet', shown.text)

    invalid = heat.submit(page, f"{page}/bids", bid_form("abc", "HEAT-02") | {"delivery_date": ""})
    assert invalid.status_code == 422
    assert 'id="e-b-amount"' in invalid.text and 'id="e-b-delivery_date"' in invalid.text
    assert 'value="abc"' in invalid.text  # kept as typed
    assert tender_json(api, tender_id)["bid_count"] == 0
    assert heat.submit(page, f"{page}/bids", bid_form(AMOUNTS[0], "HEAT-02")).status_code == 303
    replaced = heat.submit(page, f"{page}/bids", bid_form(AMOUNTS[1], "HEAT-02"))
    assert replaced.status_code == 303 and replaced.headers["location"] == page
    assert power.submit(page, f"{page}/bids", bid_form(AMOUNTS[2], "PWR-01")).status_code == 303
    external = {"external_supplier": "Outside Steam Ltd", "amount": AMOUNTS[3],
                "delivery_date": REQUIRED_BY}  # fmt: skip
    assert buyer.submit(page, f"{page}/bids", external).status_code == 303
    assert tender_json(api, tender_id)["bid_count"] == 3  # a replaced bid counts once

    mine = heat.get(page).text
    assert 'data-unit="HEAT-02">HEAT-02: your sealed bid is submitted' in mine
    assert "Replace the sealed bid" in mine and "Submit the sealed bid" not in mine
    assert until(lambda: "(bid submitted)" in heat.get("/inbox").text)
    assert COUNT_3.search(mine) and no_amount_on(mine)
    demand = buyer.get(page).text
    assert COUNT_3.search(demand) and no_amount_on(demand)
    live = buyer.get(f"{page}/bid-count")  # what the open page polls: the count, no amount
    assert live.status_code == 200 and COUNT_3.search(live.text) and no_amount_on(live.text)
    assert f'hx-get="{page}/bid-count"' in live.text  # and it goes on polling while open
    assert 'action="/tenders/' + tender_id + '/open"' not in demand  # not before the deadline
    assert "The bids can be opened after the deadline." in demand
    early = buyer.submit(page, f"{page}/open", {})
    assert early.status_code == 409 and "only after the bid deadline" in early.text
    assert tender_json(api, tender_id)["status"] == "open" and no_amount_on(early.text)
    chinese = operator(api, "COAL-01", language="zh-CN").submit(page, f"{page}/open", {})
    assert chinese.status_code == 409 and "只有在投标截止时间之后才能开标" in chinese.text
    for html in (mine, demand, invalid.text):
        assert not [u for u in urls_of(html) if is_external(u)]
        assert unlabelled_fields(html) == []


def test_after_the_deadline_the_buyer_opens_sees_the_ranking_and_awards(
    api: InProcessApi, later: Callable[[], None]
) -> None:
    buyer = operator(api, "COAL-01")
    need_id, tender_id = launched_tender(api, buyer, "Steam opened and awarded")
    page = f"/tenders/{tender_id}"
    heat, power = operator(api, "HEAT-02"), operator(api, "PWR-01")
    assert heat.submit(page, f"{page}/bids", bid_form(AMOUNTS[1], "HEAT-02")).status_code == 303
    assert power.submit(page, f"{page}/bids", bid_form(AMOUNTS[2], "PWR-01")).status_code == 303
    external = {"external_supplier": "Outside Steam Ltd", "amount": AMOUNTS[3],
                "delivery_date": REQUIRED_BY}  # fmt: skip
    assert buyer.submit(page, f"{page}/bids", external).status_code == 303
    csrf = heat.csrf(page)
    later()

    late = heat.post(f"{page}/bids", {"csrf": csrf, **bid_form("999.00", "HEAT-02")})
    assert late.status_code == 409 and "The bid deadline has passed: no more bids." in late.text
    assert tender_json(api, tender_id)["bid_count"] == 3
    assert power.submit(page, f"{page}/open", {}).status_code == 403  # the demand unit's only
    unopened = buyer.submit(page, f"{page}/award", {"bid_id": "bid_x", "justification": ""})
    assert unopened.status_code == 409 and "Open the bids before awarding." in unopened.text
    assert 'action="/tenders/' + tender_id + '/open"' in buyer.get(page).text
    assert buyer.submit(page, f"{page}/open", {}).status_code == 303

    ranking = tender_json(api, tender_id)["ranking"]
    ids = {p.get("supplier_unit_id") or p.get("external_supplier"): p["bid_id"] for p in ranking}
    assert [p["amount"] for p in ranking] == [AMOUNTS[2], AMOUNTS[1], AMOUNTS[3]]
    shown = buyer.get(page).text
    assert 'id="tender-status">bids opened<' in shown
    rows = re.findall(r'<tr data-bid="([^"]+)">\s*<td>(\d+)</td>\s*<td>([^<]+)</td>', shown)
    assert [(r[1], r[2]) for r in rows] == [("1", "PWR-01"), ("2", "HEAT-02"),
                                             ("3", "Outside Steam Ltd")]  # fmt: skip
    assert (
        "internal bid within 2% of the best external bid (1000.91): preferred on equal terms"
        in shown
    )
    zh = operator(api, "COAL-01", language="zh-CN").get(page).text
    assert "内部投标与最优外部投标（1000.91）相差在 2% 以内：同等条件下优先" in zh  # noqa: RUF001
    assert AMOUNTS[2] in heat.get(page).text  # opened: the ranking is every reader's, as the API's

    missing = buyer.submit(page, f"{page}/award", {"bid_id": "", "justification": ""})
    assert missing.status_code == 422 and 'id="e-bid_id"' in missing.text
    outside = {"bid_id": ids["Outside Steam Ltd"], "justification": ""}
    refused = buyer.submit(page, f"{page}/award", outside)
    assert refused.status_code == 409 and "awarding an external bid needs a justification" in (
        refused.text
    )
    assert re.search(rf'value="{ids["Outside Steam Ltd"]}"\s+checked', refused.text)  # as chosen
    assert tender_json(api, tender_id)["status"] == "opened"
    assert heat.submit(page, f"{page}/award", {"bid_id": ids["HEAT-02"]}).status_code == 403
    awarded = buyer.submit(page, f"{page}/award", {"bid_id": ids["PWR-01"], "justification": ""})
    assert awarded.status_code == 303
    assert tender_json(api, tender_id)["status"] == "awarded"
    assert need_json(api, need_id)["contract_id"]
    done = buyer.get(page).text
    assert 'id="tender-status">awarded<' in done and 'action="/tenders/' not in done
    again = buyer.submit(page, f"{page}/open", {})
    assert again.status_code == 409 and "its bids have been opened" in again.text


def test_outsiders_get_403_unknown_ids_404_and_a_post_without_csrf_changes_nothing(
    api: InProcessApi,
) -> None:
    buyer = operator(api, "COAL-01")
    _, tender_id = launched_tender(api, buyer, "Steam kept to the invited")
    page = f"/tenders/{tender_id}"
    outsider = operator(api, "SVC-01")  # neither the demand unit nor invited
    assert outsider.get(page).status_code == 403
    assert outsider.get(f"{page}/bid-count").status_code == 403
    assert outsider.submit("/inbox", f"{page}/bids", bid_form("1.00", "SVC-01")).status_code == 403
    heat = operator(api, "HEAT-02")
    for_another = heat.submit(page, f"{page}/bids", bid_form("1.00", "PWR-01"))
    assert for_another.status_code == 403  # an invited unit bids only for itself
    assert buyer.get("/tenders/ten_unknown").status_code == 404
    assert (
        heat.submit("/inbox", "/tenders/ten_unknown/bids", bid_form("1.00", "HEAT-02")).status_code
        == 404
    )
    forged = heat.post(f"{page}/bids", bid_form("1.00", "HEAT-02"))  # no CSRF token
    assert forged.status_code == 403 and "nothing was changed" in forged.text
    wrong = heat.post(f"{page}/bids", {"csrf": "forged", **bid_form("1.00", "HEAT-02")})
    assert wrong.status_code == 403
    assert tender_json(api, tender_id)["bid_count"] == 0
    signed_out = PortalUser(api).get(page)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/"
