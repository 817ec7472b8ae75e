"""Issue 14: the dispute pages over HTTP — raising one from a contract, the list of a unit's and
its mediator's disputes, mediation, the mediator's decision, a settlement stated by both, the
raiser's withdrawal — each through the API's body and handler, refused as the API refuses,
nothing changed by a refusal."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
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


def later(days: int) -> str:
    return (datetime.now(tz=UTC) + timedelta(days=days)).isoformat()


def posted(api: InProcessApi, unit: str, path: str, body: Any, key: str) -> str:
    answer = api.client.post(path, json=body, headers=api.auth(unit, "unit_operator"))
    assert answer.is_success, f"setting up: POST {path} → {answer.text}"
    value: str = answer.json()[key]
    return value


def contract(api: InProcessApi, buyer: str = "HEAT-01", supplier: str = "HEAT-02") -> str:
    """A signed contract between two units of one platform (steam), set up through the API."""
    need = {
        "demand_unit_id": buyer,
        "title": "Steam for the dispute test",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "100",
        "uom": "t",
        "required_by": later(60)[:10],
        "budget_amount": "19000.00",
        "business_type": "regular",
        "sourcing": "direct",
    }
    need_id = posted(api, buyer, "/v1/needs", need, "id")
    offer = {"supplier_unit_id": supplier, "unit_price": "185.00", "quantity": "100"}
    offer |= {"delivery_date": later(30)[:10], "valid_until": later(14)}
    offer_id = posted(api, supplier, f"/v1/needs/{need_id}/offers", offer, "offer_id")
    award = {"offer_id": offer_id}
    contract_id = posted(api, buyer, f"/v1/needs/{need_id}/award", award, "contract_id")
    for unit in (supplier, buyer):
        signed = api.client.post(
            f"/v1/contracts/{contract_id}/sign", headers=api.auth(unit, "unit_operator")
        )
        assert signed.is_success, signed.text
    return contract_id


def raised(api: InProcessApi, contract_id: str, buyer: str = "HEAT-01",
           supplier: str = "HEAT-02") -> str:  # fmt: skip
    body = {"subject_type": "contract", "subject_id": contract_id, "against_unit_id": supplier}
    body |= {"kind": "delivery", "claim": "Half the steam came a week late."}
    return posted(api, buyer, "/v1/disputes", body, "dispute_id")


def dispute_json(api: InProcessApi, dispute_id: str, unit: str = "HEAT-01") -> dict[str, Any]:
    answer = api.client.get(f"/v1/disputes/{dispute_id}", headers=api.auth(unit, "unit_operator"))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def api_disputes(api: InProcessApi, unit: str) -> list[str]:
    answer = api.client.get(
        "/v1/disputes", params={"limit": 500}, headers=api.auth(unit, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    return [d["id"] for d in answer.json()["items"]]


def admin(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def until(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether `check` holds within `seconds` (read models follow the store a moment later)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def form(contract_id: str, **changes: str) -> dict[str, str]:
    return {
        "subject_type": "contract",
        "subject_id": contract_id,
        "against_unit_id": "HEAT-02",
        "kind": "quality",
        "claim": "The steam was wet for three days.",
    } | changes


def test_a_party_raises_a_dispute_from_the_prefilled_form(api: InProcessApi) -> None:
    contract_id = contract(api)
    buyer = operator(api, "HEAT-01")
    new = f"/disputes/new?subject_type=contract&subject_id={contract_id}&against_unit_id=HEAT-02"
    shown = buyer.get(new)
    assert shown.status_code == 200
    assert f'href="/contracts/{contract_id}"' in shown.text  # the subject, linked
    assert f'value="{contract_id}"' in shown.text and 'value="HEAT-02"' in shown.text
    assert re.search(r'<option value="contract"\s+selected', shown.text)
    assert unlabelled_fields(shown.text) == []
    assert not [u for u in urls_of(shown.text) if is_external(u)]
    before = api_disputes(api, "HEAT-01")

    invalid = buyer.submit(new, "/disputes", form(contract_id, kind="grudge", claim=""))
    assert invalid.status_code == 422
    assert 'id="e-kind"' in invalid.text and 'id="e-claim"' in invalid.text
    assert 'id="e-subject_id"' not in invalid.text
    assert f'value="{contract_id}"' in invalid.text  # kept as typed
    own = buyer.submit(new, "/disputes", form(contract_id, against_unit_id="HEAT-01"))
    assert own.status_code == 409
    assert "A dispute needs two different units: choose the other party." in own.text
    assert "The steam was wet for three days." in own.text
    unknown = buyer.submit(new, "/disputes", form("ctr_nowhere"))
    assert unknown.status_code == 404 and 'id="e-subject_id"' in unknown.text
    stranger = buyer.submit(new, "/disputes", form(contract_id, against_unit_id="PWR-01"))
    assert stranger.status_code == 403 and "must both be parties" in stranger.text
    forged = buyer.post("/disputes", form(contract_id))  # no CSRF token
    assert forged.status_code == 403
    assert api_disputes(api, "HEAT-01") == before  # nothing raised by any of these

    done = buyer.submit(new, "/disputes", form(contract_id))
    assert done.status_code == 303
    page = done.headers["location"]
    dispute_id = page.rsplit("/", 1)[1]
    found = dispute_json(api, dispute_id)
    assert (found["status"], found["kind"], found["raiser_unit_id"]) == (
        "negotiating", "quality", "HEAT-01",
    )  # fmt: skip
    assert found["claim"] == "The steam was wet for three days."
    detail = buyer.get(page).text
    assert 'id="dispute-status">negotiating<' in detail
    assert f'href="/contracts/{contract_id}"' in detail
    assert "Ask for mediation" in detail and "Withdraw the dispute" in detail
    assert unlabelled_fields(detail) == []
    supplier = operator(api, "HEAT-02")
    assert until(lambda: f'href="{page}"' in supplier.get("/disputes").text)
    assert "Withdraw the dispute" not in supplier.get(page).text  # the raiser's only
    assert f'href="{page}"' in buyer.get("/disputes?status=negotiating").text
    assert f'href="{page}"' not in buyer.get("/disputes?status=resolved").text


def test_a_quality_incident_is_a_subject_too(api: InProcessApi) -> None:
    contract_id = contract(api)
    incident = {"kind": "product_quality", "severity": "minor", "description": "Wet steam."}
    incident_id = posted(
        api, "HEAT-01", f"/v1/contracts/{contract_id}/quality-incidents",
        incident | {"occurred_at": later(0)}, "incident_id",
    )  # fmt: skip
    buyer = operator(api, "HEAT-01")
    new = f"/disputes/new?subject_type=quality_incident&subject_id={incident_id}"
    assert re.search(r'<option value="quality_incident"\s+selected', buyer.get(new).text)
    fields = form(incident_id, subject_type="quality_incident")
    done = buyer.submit(new, "/disputes", fields)
    assert done.status_code == 303, done.text
    found = dispute_json(api, done.headers["location"].rsplit("/", 1)[1])
    assert (found["subject_type"], found["subject_id"]) == ("quality_incident", incident_id)


def test_outside_reach_403_unknown_404(api: InProcessApi) -> None:
    dispute_id = raised(api, contract(api))
    outsider = operator(api, "PWR-01")
    shown = outsider.get(f"/disputes/{dispute_id}")
    assert shown.status_code == 403 and "claim" not in shown.text.lower()
    page = f"/disputes/{dispute_id}"
    tried = outsider.post(f"{page}/mediation", {"csrf": outsider.csrf("/disputes")})
    assert tried.status_code == 403
    assert dispute_json(api, dispute_id)["status"] == "negotiating"
    assert outsider.get("/disputes/dsp_nowhere").status_code == 404
    assert PortalUser(api).get(page).status_code == 303  # signed out: to the sign-in page
    bi = admin(api, "HQ", "bi_reader")
    assert bi.get("/disputes").status_code == 403


def test_mediation_and_the_mediators_decision(api: InProcessApi) -> None:
    dispute_id = raised(api, contract(api))
    page = f"/disputes/{dispute_id}"
    buyer = operator(api, "HEAT-01")
    forged = buyer.post(f"{page}/mediation", {})
    assert forged.status_code == 403
    assert dispute_json(api, dispute_id)["status"] == "negotiating"
    asked = buyer.submit(page, f"{page}/mediation", {"party_unit_id": "HEAT-01"})
    assert asked.status_code == 303 and asked.headers["location"] == page
    found = dispute_json(api, dispute_id)
    assert (found["status"], found["mediator_unit_id"]) == ("in_mediation", "HEAT")
    again = buyer.submit(page, f"{page}/mediation", {"party_unit_id": "HEAT-01"})
    assert again.status_code == 409
    assert "Mediation can be asked for only while the parties negotiate." in again.text
    chinese = operator(api, "HEAT-02", language="zh-CN")
    twice = chinese.submit(page, f"{page}/mediation", {"party_unit_id": "HEAT-02"})
    assert twice.status_code == 409 and "只有在双方协商阶段才能申请调解" in twice.text
    assert "调解单位" in chinese.get(page).text  # "Mediator unit"

    # A party may not decide: only the mediator unit (403, as the API).
    usurped = buyer.submit(page, f"{page}/resolve", {"decision": "We win."})
    assert usurped.status_code == 403
    mediator = admin(api, "HEAT", "platform_admin")
    assert until(lambda: f'href="{page}"' in mediator.get("/disputes").text)
    listed = mediator.get("/disputes?status=in_mediation").text
    assert re.search(rf'href="{page}">.*?yours to decide', listed, re.S)
    shown = mediator.get(page).text
    assert 'id="dispute-mediator">HEAT' in shown and "Decide the dispute" in shown
    assert unlabelled_fields(shown) == []
    blank = mediator.submit(page, f"{page}/resolve", {"decision": "  "})
    assert blank.status_code == 422 and 'id="e-d-decision"' in blank.text
    assert dispute_json(api, dispute_id)["status"] == "in_mediation"
    decided = mediator.submit(page, f"{page}/resolve", {"decision": "HEAT-02 refunds 20%."})
    assert decided.status_code == 303
    found = dispute_json(api, dispute_id)
    assert (found["status"], found["outcome"]) == ("resolved", "HEAT-02 refunds 20%.")
    late = mediator.submit(page, f"{page}/resolve", {"decision": "On second thought…"})
    assert late.status_code == 409
    assert "Only the mediator unit decides, and only while in mediation." in late.text
    assert dispute_json(api, dispute_id)["outcome"] == "HEAT-02 refunds 20%."
    for user in (buyer, mediator):
        final = user.get(page).text
        assert 'id="dispute-status">decided by the mediator<' in final
        assert 'id="dispute-outcome">HEAT-02 refunds 20%.<' in final
        assert "Decide the dispute" not in final and "Ask for mediation" not in final


def test_both_parties_state_one_settlement(api: InProcessApi) -> None:
    dispute_id = raised(api, contract(api))
    page = f"/disputes/{dispute_id}"
    buyer, supplier = operator(api, "HEAT-01"), operator(api, "HEAT-02")
    blank = buyer.submit(page, f"{page}/resolve", {"settlement": "", "party_unit_id": "HEAT-01"})
    assert blank.status_code == 422 and 'id="e-s-settlement"' in blank.text
    terms = "HEAT-02 credits 1500.00 on the next invoice."
    mine = {"settlement": terms, "party_unit_id": "HEAT-01"}
    stated = buyer.submit(page, f"{page}/resolve", mine)
    assert stated.status_code == 303
    assert dispute_json(api, dispute_id)["status"] == "negotiating"  # one side is not enough
    other = supplier.get(page).text
    assert "HEAT-01 has stated:" in other and "HEAT-02 has not stated a settlement yet." in other
    assert f">{terms}</textarea>" in other  # offered to agree to as it is
    theirs = {"settlement": terms, "party_unit_id": "HEAT-02"}
    agreed = supplier.submit(page, f"{page}/resolve", theirs)
    assert agreed.status_code == 303
    found = dispute_json(api, dispute_id)
    assert (found["status"], found["outcome"]) == ("settled", terms)
    assert 'id="dispute-status">settled by the parties<' in buyer.get(page).text


def test_only_the_raiser_withdraws(api: InProcessApi) -> None:
    dispute_id = raised(api, contract(api))
    page = f"/disputes/{dispute_id}"
    supplier = operator(api, "HEAT-02")
    refused = supplier.submit(page, f"{page}/withdraw", {"party_unit_id": "HEAT-02"})
    assert refused.status_code == 409
    assert "Only the unit that raised the dispute may withdraw it." in refused.text
    assert dispute_json(api, dispute_id)["status"] == "negotiating"
    buyer = operator(api, "HEAT-01")
    done = buyer.submit(page, f"{page}/withdraw", {"party_unit_id": "HEAT-01"})
    assert done.status_code == 303
    assert dispute_json(api, dispute_id)["status"] == "withdrawn"
    closed = buyer.submit(page, f"{page}/withdraw", {"party_unit_id": "HEAT-01"})
    assert closed.status_code == 409 and "The dispute is closed already." in closed.text


def test_the_list_pages_newest_first_and_hq_sees_what_it_mediates(api: InProcessApi) -> None:
    contract_id = contract(api, "PWR-02", "PWR-01")
    ids = [raised(api, contract_id, "PWR-02", "PWR-01") for _ in range(21)]
    buyer = operator(api, "PWR-02")
    assert until(lambda: ids[-1] in buyer.get("/disputes").text)
    first = buyer.get("/disputes").text
    rows = re.findall(r'data-dispute="([^"]+)"', first)
    assert rows == list(reversed(ids))[:20]
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following
    second = buyer.get(following[1].replace("&amp;", "&")).text
    assert re.findall(r'data-dispute="([^"]+)"', second) == [ids[0]]
    assert buyer.get("/disputes?cursor=bogus").status_code == 404
    hq = admin(api, "HQ", "hq_admin")
    mediated = hq.get("/disputes").text  # the demo's dispute, in mediation by HQ
    assert "yours to decide" in mediated and ids[0] not in mediated
