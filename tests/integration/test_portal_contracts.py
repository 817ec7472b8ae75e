"""Issue 14: the contract pages `/contracts` and `/contracts/{id}` over HTTP — signing, special-
task pricing, deliveries, completion and termination, quality incidents, the timeline — each
through the API's body and handler, refused as the API refuses, nothing changed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from html import unescape
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import REQUIRED_BY, PortalUser, operator, unlabelled_fields

BUYER, SUPPLIER, OUTSIDER = "COAL-02", "HEAT-02", "PWR-01"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def created(api: InProcessApi, unit: str, role: str, path: str, body: dict[str, Any]) -> Any:
    answer = api.client.post(path, json=body, headers=api.auth(unit, role))
    assert answer.status_code == 201, answer.text
    return answer.json()


def awarded(api: InProcessApi, buyer: str = BUYER, **need: str) -> str:
    """A contract of the buyer with SUPPLIER for 500 t of steam at 185.00, through the API."""
    body = {
        "demand_unit_id": buyer,
        "title": "Steam under contract",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "500",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "95000.00",
        "business_type": "regular",
        "sourcing": "direct",
    } | need
    need_id = created(api, buyer, "unit_operator", "/v1/needs", body)["id"]
    valid = (api.svc.clock() + timedelta(days=7)).isoformat()
    offer = {"supplier_unit_id": SUPPLIER, "unit_price": "185.00", "quantity": "500",
             "delivery_date": REQUIRED_BY, "valid_until": valid}  # fmt: skip
    offer_id = created(api, SUPPLIER, "unit_operator", f"/v1/needs/{need_id}/offers", offer)
    award = {"offer_id": offer_id["offer_id"]}
    found = created(api, buyer, "unit_operator", f"/v1/needs/{need_id}/award", award)
    return str(found["contract_id"])


def special_task(api: InProcessApi) -> str:
    """A special-task contract (under an HQ directive): it starts in pricing."""
    directive = {"demand_unit_id": BUYER, "supply_unit_id": SUPPLIER, "item_code": "STEAM-LP",
                 "quantity": "500", "rationale": "Winter reserve."}  # fmt: skip
    directive_id = created(api, "HQ", "hq_admin", "/v1/directives", directive)["id"]
    return awarded(api, business_type="special_task", directive_id=directive_id)


def contract_json(api: InProcessApi, contract_id: str) -> dict[str, Any]:
    answer = api.client.get(
        f"/v1/contracts/{contract_id}", headers=api.auth(BUYER, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def incidents_json(api: InProcessApi) -> list[dict[str, Any]]:
    answer = api.client.get(
        "/v1/quality-incidents", params={"limit": 500}, headers=api.auth(BUYER, "unit_operator")
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


def now_local(api: InProcessApi, back: timedelta = timedelta(minutes=1)) -> str:
    """A browser's `datetime-local` value a moment ago, in the group's time zone."""
    return (api.svc.clock() - back).astimezone(api.svc.zone).strftime("%Y-%m-%dT%H:%M")


def test_both_parties_sign_deliver_raise_an_incident_and_complete(api: InProcessApi) -> None:
    contract_id = awarded(api)
    page = f"/contracts/{contract_id}"
    buyer, supplier = operator(api, BUYER), operator(api, SUPPLIER)

    listed = buyer.get("/contracts")
    assert listed.status_code == 200 and f'href="{page}"' in listed.text
    assert until(lambda: f'href="{page}"' in supplier.get("/contracts").text)
    assert "awaiting signatures" in listed.text and "92500.00" in listed.text
    assert f'href="{page}"' not in buyer.get("/contracts?status=active").text
    assert (
        f'href="/contracts/{contract_id}"'
        in buyer.get(f"/needs/{contract_json(api, contract_id)['need_id']}").text
    )

    shown = buyer.get(page)
    assert shown.status_code == 200 and unlabelled_fields(shown.text) == []
    assert "Sign for COAL-02" in shown.text and "Sign for HEAT-02" not in shown.text
    assert f"{page}/deliveries" not in shown.text  # not active yet, nor the buyer's form
    assert (
        f"/disputes/new?subject_type=contract&amp;subject_id={contract_id}"
        f"&amp;against_unit_id={SUPPLIER}"
    ) in shown.text

    # A delivery before signing: the rule as a sentence, nothing recorded.
    delivery = {"quantity": "200", "amount": "37000.00", "delivered_at": now_local(api)}
    early = supplier.submit(page, f"{page}/deliveries", delivery)
    assert early.status_code == 409
    assert "The contract's status does not allow this now." in unescape(early.text)
    assert contract_json(api, contract_id)["delivered_quantity"] == "0"

    # Without the form's CSRF token: refused, not signed.
    forged = buyer.post(f"{page}/sign", {"party_unit_id": BUYER})
    assert forged.status_code == 403 and contract_json(api, contract_id)["signatures"] == []

    signed = buyer.submit(page, f"{page}/sign", {"party_unit_id": BUYER})
    assert signed.status_code == 303 and signed.headers["location"] == page
    assert contract_json(api, contract_id)["status"] == "awaiting_signatures"
    again = buyer.submit(page, f"{page}/sign", {"party_unit_id": BUYER})
    assert again.status_code == 409 and "has signed already" in again.text
    assert supplier.submit(page, f"{page}/sign", {"party_unit_id": ""}).status_code == 303
    assert contract_json(api, contract_id)["status"] == "active"

    # A delivery typed wrong: said beside the field, the input kept, nothing recorded.
    wrong = supplier.submit(page, f"{page}/deliveries", delivery | {"quantity": "abc"})
    assert wrong.status_code == 422
    assert 'id="e-v-quantity"' in wrong.text and 'value="abc"' in wrong.text
    assert 'value="37000.00"' in wrong.text
    future = now_local(api, timedelta(days=-2))
    ahead = supplier.submit(page, f"{page}/deliveries", delivery | {"delivered_at": future})
    assert ahead.status_code == 422 and 'id="e-v-delivered_at"' in ahead.text
    assert contract_json(api, contract_id)["delivered_quantity"] == "0"
    assert supplier.submit(page, f"{page}/deliveries", delivery).status_code == 303
    assert contract_json(api, contract_id)["delivered_quantity"] == "200"
    assert "37000.00" in supplier.get(page).text

    # The buyer raises an incident; the supplier resolves it.
    incident = {"kind": "product_quality", "severity": "major",
                "description": "Wet steam.", "occurred_at": now_local(api)}  # fmt: skip
    missing = buyer.submit(page, f"{page}/quality-incidents", incident | {"description": ""})
    assert missing.status_code == 422 and 'id="e-i-description"' in missing.text
    raised = buyer.submit(page, f"{page}/quality-incidents", incident)
    assert raised.status_code == 303
    [found] = [i for i in incidents_json(api) if i["contract_id"] == contract_id]
    incident_id = found["incident_id"]
    seen = buyer.get(page).text
    assert f'data-incident="{incident_id}"' in seen
    assert (
        f"/disputes/new?subject_type=quality_incident&amp;subject_id={incident_id}"
        f"&amp;against_unit_id={SUPPLIER}"
    ) in seen
    resolve = f"{page}/quality-incidents/{incident_id}/resolve"
    assert supplier.submit(page, resolve, {"resolution": "Dried."}).status_code == 303
    resolved = api.client.get(
        f"/v1/quality-incidents/{incident_id}", headers=api.auth(BUYER, "unit_operator")
    ).json()
    assert resolved["status"] == "resolved" and resolved["resolution"] == "Dried."

    # The rest delivered: either party completes it.
    rest = {"quantity": "300", "amount": "55500.00", "delivered_at": now_local(api)}
    assert supplier.submit(page, f"{page}/deliveries", rest).status_code == 303
    assert buyer.submit(page, f"{page}/complete", {"party_unit_id": BUYER}).status_code == 303
    assert contract_json(api, contract_id)["status"] == "completed"

    timeline = buyer.get(page).text
    for sentence in ("COAL-02 signed.", "HEAT-02 signed.",
                     "Both parties signed: the contract is active.",
                     "Completed: everything was delivered."):  # fmt: skip
        assert sentence in timeline, sentence
    assert api.tokens[(BUYER, "unit_operator")] not in timeline  # a token id, never its secret


def test_a_party_terminates_with_a_reason_kept_when_refused(api: InProcessApi) -> None:
    contract_id = awarded(api)
    page = f"/contracts/{contract_id}"
    buyer = operator(api, BUYER)
    form = {"party_unit_id": BUYER, "reason": ""}
    empty = buyer.submit(page, f"{page}/terminate", form)
    assert empty.status_code == 422 and f'id="e-terminate-{BUYER}-reason"' in empty.text
    assert contract_json(api, contract_id)["status"] == "awaiting_signatures"
    done = buyer.submit(page, f"{page}/terminate", form | {"reason": "Plant closed."})
    assert done.status_code == 303
    assert contract_json(api, contract_id)["status"] == "terminated"
    shown = buyer.get(page).text
    assert "COAL-02 terminated the contract: Plant closed." in shown
    assert f"{page}/terminate" not in shown and f"{page}/sign" not in shown


def test_outside_the_contract_a_403_page_an_unknown_one_404(api: InProcessApi) -> None:
    contract_id = awarded(api)
    page = f"/contracts/{contract_id}"
    outsider = operator(api, OUTSIDER)
    assert outsider.get(page).status_code == 403
    assert f'href="{page}"' not in outsider.get("/contracts").text
    refused = outsider.submit("/contracts", f"{page}/sign", {"party_unit_id": BUYER})
    assert refused.status_code == 403
    assert contract_json(api, contract_id)["signatures"] == []
    assert outsider.get("/contracts/ctr_unknown").status_code == 404
    auditor = PortalUser(api, language="en")
    assert auditor.sign_in(api.tokens[("HQ", "auditor")]).status_code == 303
    read = auditor.get(page)
    assert read.status_code == 200 and "<form" not in read.text.split("<main", 1)[1]


def test_special_task_pricing_by_proposal_agreement_and_by_the_superiors(
    api: InProcessApi,
) -> None:
    buyer, supplier = operator(api, BUYER), operator(api, SUPPLIER)
    agreed_id = special_task(api)
    page = f"/contracts/{agreed_id}"
    assert contract_json(api, agreed_id)["status"] == "pricing"
    assert "No price proposed yet." in buyer.get(page).text
    proposal = {"party_unit_id": SUPPLIER, "amount": "zero"}
    wrong = supplier.submit(page, f"{page}/price-proposals", proposal)
    assert wrong.status_code == 422 and f'id="e-propose-{SUPPLIER}-amount"' in wrong.text
    proposed = supplier.submit(page, f"{page}/price-proposals", proposal | {"amount": "90000"})
    assert proposed.status_code == 303
    offered = buyer.get(page).text
    assert "HEAT-02 proposes 90000.00 CNY" in offered
    assert "Accept 90000.00 CNY for COAL-02" in offered
    other = {"party_unit_id": BUYER, "amount": "85000.00"}
    not_proposed = buyer.submit(page, f"{page}/price-agreement", other)
    assert not_proposed.status_code == 409 and contract_json(api, agreed_id)["status"] == "pricing"
    accept = {"party_unit_id": BUYER, "amount": "90000.00"}
    assert buyer.submit(page, f"{page}/price-agreement", accept).status_code == 303
    priced = contract_json(api, agreed_id)
    assert (priced["status"], priced["amount"]) == ("awaiting_signatures", "90000.00")
    assert "COAL-02 accepted the price of 90000.00 CNY." in buyer.get(page).text

    decided_id = special_task(api)
    page = f"/contracts/{decided_id}"
    hq = PortalUser(api, language="en")
    assert hq.sign_in(api.tokens[("HQ", "hq_admin")]).status_code == 303
    assert f"{page}/price-decision" not in hq.get(page).text  # not escalated yet
    escalated = buyer.submit(page, f"{page}/pricing-escalation", {"party_unit_id": BUYER})
    assert escalated.status_code == 303
    twice = supplier.submit(page, f"{page}/pricing-escalation", {"party_unit_id": SUPPLIER})
    assert twice.status_code == 409 and "already with the superiors" in twice.text
    assert "COAL-02 escalated the pricing to HQ." in buyer.get(page).text
    deciding = hq.get(page).text
    assert f"{page}/price-decision" in deciding
    assert supplier.submit(page, f"{page}/price-decision", {"amount": "1"}).status_code == 403
    decided = hq.submit(page, f"{page}/price-decision", {"amount": "88000.00"})
    assert decided.status_code == 303
    priced = contract_json(api, decided_id)
    assert (priced["status"], priced["amount"]) == ("awaiting_signatures", "88000.00")
    assert "HQ decided the price: 88000.00 CNY." in buyer.get(page).text


def test_chinese_labels(api: InProcessApi) -> None:
    contract_id = awarded(api)
    buyer = operator(api, BUYER, language="zh-CN")
    listed = buyer.get("/contracts?status=awaiting_signatures").text
    assert "合同" in listed and "待签署" in listed
    shown = buyer.get(f"/contracts/{contract_id}").text
    assert "为 COAL-02 签署" in shown and "时间线" in shown and "Sign for" not in shown


def test_the_list_pages_by_cursor(api: InProcessApi) -> None:
    made = {awarded(api, "HEAT-01") for _ in range(21)}  # a unit without demo contracts
    buyer = operator(api, "HEAT-01")
    first = buyer.get("/contracts").text
    shown = set(re.findall(r'data-contract="([^"]+)"', first))
    assert len(shown) == 20 and shown <= made
    [after] = re.findall(r'rel="next" href="([^"]+)"', first)
    rest = buyer.get(unescape(after)).text
    assert set(re.findall(r'data-contract="([^"]+)"', rest)) == made - shown
    assert 'rel="next"' not in rest
    assert buyer.get("/contracts?cursor=not-a-cursor").status_code == 404
