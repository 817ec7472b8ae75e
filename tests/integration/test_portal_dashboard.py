"""Issue 15: HQ's dashboard `/dashboard` over HTTP — a hand-computed scenario of contracts made
through the API: the page's tables and CSV downloads hold its numbers and equal the rows of
`/v1/projections/...` for the same query; the period and the unit filter change them; a unit
operator, and a platform admin outside its subtree, are refused."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import REQUIRED_BY, PortalUser, unlabelled_fields

# Two contracts between units the demo's own contracts do not involve:
# A: PWR-01 buys 10 boiler overhauls of SVC-03 (services) at 1200.00 → 12000.00, 5000.00 delivered;
# B: SVC-01 buys 100 MWh of wind power of PWR-03 (power) at 80.50 → 8050.00, all delivered.
# Under SVC are SVC-01 and SVC-03: its subtree counts both, and nothing of the demo's.
A = {"buyer": "PWR-01", "supplier": "SVC-03", "category": "service", "subcategory": "maintenance",
     "item_code": "BOILER-OVERHAUL", "uom": "job", "quantity": "10", "price": "1200.00",
     "delivered": "5000.00"}  # fmt: skip
B = {"buyer": "SVC-01", "supplier": "PWR-03", "category": "product", "subcategory": "power",
     "item_code": "WIND-POWER-35KV", "uom": "MWh", "quantity": "100", "price": "80.50",
     "delivered": "8050.00"}  # fmt: skip


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    # PostgreSQL too for the tests marked both_stores: its figures take other queries (the
    # months and the period's totals each in one grouped query).
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        settings = settings_for(tmp_path_factory.mktemp("portal"), schema)
        with serve_in_process(settings) as served:
            yield served
    finally:
        if schema is not None:
            drop_schemas(schema)


def until(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether `check` holds within `seconds` (read models follow the store a moment later)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def posted(api: InProcessApi, unit: str, role: str, path: str, body: dict[str, Any]) -> Any:
    answer = api.client.post(path, json=body, headers=api.auth(unit, role))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def delivered_contract(api: InProcessApi, deal: dict[str, str]) -> str:
    """The deal's contract through the API: need, offer, award, both signatures, a delivery."""
    buyer, supplier = deal["buyer"], deal["supplier"]
    need = {"demand_unit_id": buyer, "title": "Dashboard scenario", "category": deal["category"],
            "subcategory": deal["subcategory"], "item_code": deal["item_code"],
            "quantity": deal["quantity"], "uom": deal["uom"], "required_by": REQUIRED_BY,
            "budget_amount": "20000.00", "business_type": "regular",
            "sourcing": "direct"}  # fmt: skip
    need_id = posted(api, buyer, "unit_operator", "/v1/needs", need)["id"]
    valid = (api.svc.clock() + timedelta(days=7)).isoformat()
    offer = {"supplier_unit_id": supplier, "unit_price": deal["price"],
             "quantity": deal["quantity"], "delivery_date": REQUIRED_BY,
             "valid_until": valid}  # fmt: skip
    offer_id = posted(api, supplier, "unit_operator", f"/v1/needs/{need_id}/offers", offer)
    award = {"offer_id": offer_id["offer_id"]}
    contract_id = str(
        posted(api, buyer, "unit_operator", f"/v1/needs/{need_id}/award", award)["contract_id"]
    )
    for unit in (buyer, supplier):
        posted(api, unit, "unit_operator", f"/v1/contracts/{contract_id}/sign", {})
    delivery = {"quantity": "1", "amount": deal["delivered"],
                "delivered_at": api.svc.clock().isoformat()}  # fmt: skip
    posted(api, supplier, "unit_operator", f"/v1/contracts/{contract_id}/deliveries", delivery)
    return contract_id


@pytest.fixture(scope="module")
def scenario(api: InProcessApi) -> dict[str, str]:
    contracts = {"A": delivered_contract(api, A), "B": delivered_contract(api, B)}
    incident = {"kind": "delivery_delay", "severity": "major", "description": "Late crew.",
                "occurred_at": api.svc.clock().isoformat()}  # fmt: skip
    path = f"/v1/contracts/{contracts['A']}/quality-incidents"
    posted(api, A["buyer"], "unit_operator", path, incident)
    dispute = {"subject_type": "contract", "subject_id": contracts["A"],
               "against_unit_id": A["supplier"], "kind": "delivery",
               "claim": "Late crew."}  # fmt: skip
    dispute_id = posted(api, A["buyer"], "unit_operator", "/v1/disputes", dispute)["dispute_id"]
    posted(api, A["buyer"], "unit_operator", f"/v1/disputes/{dispute_id}/mediation", {})
    need = {"demand_unit_id": "SVC-02", "title": "Simulator", "category": "product",
            "subcategory": "other", "item_code": "SIM-1", "quantity": "1", "uom": "set",
            "required_by": REQUIRED_BY, "budget_amount": "9000.00", "business_type": "regular",
            "sourcing": "direct"}  # fmt: skip
    need_id = posted(api, "SVC-02", "unit_operator", "/v1/needs", need)["id"]
    ground = {"ground": "not_available_internally", "justification": "None inside."}
    path = f"/v1/needs/{need_id}/external-sourcing"
    request_id = posted(api, "SVC-02", "unit_operator", path, ground)["request_id"]
    posted(api, "SVC", "platform_admin", f"/v1/external-sourcing/{request_id}/approve", {})
    rectify_by = (api.svc.today() + timedelta(days=30)).isoformat()
    finding = {"unit_id": "SVC-02", "issue": "incomplete_rules", "description": "No rules.",
               "rectify_by": rectify_by}  # fmt: skip
    posted(api, "HQ", "hq_admin", "/v1/inspections/findings", finding)
    assert until(lambda: len(volume(api, "supply_unit", *this_month(api))) >= 4)
    assert until(lambda: any(r["supplier_unit_id"] == "SVC-03" for r in quality(api)))
    # The lists' read models follow too: the approval, the mediation, the finding.
    assert until(
        lambda: (
            [r["status"] for r in api_rows(api, "/v1/external-sourcing", unit_id="SVC-02")]
            == ["approved"]
        )
    )
    assert until(
        lambda: (
            [d["status"] for d in api_rows(api, "/v1/disputes", unit_id="SVC-03")]
            == ["in_mediation"]
        )
    )
    assert until(lambda: len(api_rows(api, "/v1/inspections/findings", unit_id="SVC-02")) == 1)
    return contracts


def this_month(api: InProcessApi) -> tuple[date, date]:
    today = api.svc.today()
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def api_rows(api: InProcessApi, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = api.client.get(path, params={**params, "limit": 500}, headers=api.auth())
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def volume(api: InProcessApi, group_by: str, first: date, end: date) -> list[dict[str, Any]]:
    path = "/v1/projections/trade-volume"
    return api_rows(api, path, group_by=group_by, **{"from": first.isoformat(), "to": str(end)})


def quality(api: InProcessApi) -> list[dict[str, Any]]:
    return api_rows(api, "/v1/projections/supplier-quality")


class _Tables(HTMLParser):
    """The text of each cell of each table of a page, by the table's id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table is not None and self._in_body:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(user: PortalUser, figure: str, query: str) -> list[dict[str, str]]:
    answer = user.get(f"/dashboard/{figure}.csv?{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def _text(row: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in row.items()}


def month_query(api: InProcessApi, unit: str = "") -> str:
    today = api.svc.today()
    return f"period=month&year={today.year}&month={today.month}&unit_id={unit}"


@pytest.mark.both_stores
def test_the_scenario_as_hand_computed(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    month = api.svc.today().strftime("%Y-%m")
    page = hq.get(f"/dashboard?{month_query(api, 'SVC')}")
    assert page.status_code == 200 and unlabelled_fields(page.text) == []
    shown = tables(page.text)
    # Units SVC-01 and SVC-03 are under SVC: both contracts, by the supplier's sector.
    assert shown["table-trade-by-month"] == [
        [month, "power generation", "1", "8050.00", "8050.00"],
        [month, "shared services", "1", "12000.00", "5000.00"],
    ]
    assert shown["table-trade-by-category"] == [
        ["Products", "1", "8050.00", "8050.00"],
        ["Services", "1", "12000.00", "5000.00"],
    ]
    assert [r[0] for r in shown["table-top-demand"]] == [
        "PWR-01 · Northern Thermal Power Plant",
        "SVC-01 · Group Logistics Co.",
    ]
    assert 'href="/units/PWR-01"' in page.text and 'href="/units/SVC-03"' in page.text
    assert shown["table-supplier-quality"][0][:5] == [
        "SVC-03 · Equipment Maintenance Co.",
        "1",
        "1",
        "1",
        "1.0000",
    ]
    assert csv_rows(hq, "trade-by-month", month_query(api, "SVC")) == [
        {"month": month, "key": "power", "contracts": "1", "amount": "8050.00",
         "delivered_amount": "8050.00"},
        {"month": month, "key": "services", "contracts": "1", "amount": "12000.00",
         "delivered_amount": "5000.00"},
    ]  # fmt: skip
    # One enterprise: only its contract.
    eng = tables(hq.get(f"/dashboard?{month_query(api, 'SVC-01')}").text)
    assert eng["table-trade-by-month"] == [[month, "power generation", "1", "8050.00", "8050.00"]]
    assert csv_rows(hq, "supplier-quality", month_query(api, "SVC-03")) == [
        {"supplier_unit_id": "SVC-03", "incidents": "1", "open": "1",
         "by_kind.management": "0", "by_kind.product_quality": "0",
         "by_kind.delivery_delay": "1", "by_severity.minor": "0", "by_severity.major": "1",
         "by_severity.critical": "0", "contracts": "1", "incidents_per_contract": "1.0000"}
    ]  # fmt: skip


def test_buying_outside_disputes_and_findings(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    query = month_query(api, "SVC")
    shown = tables(hq.get(f"/dashboard?{query}").text)
    ground = "1 · the internal market cannot provide it"
    assert shown["table-external-by-ground"] == [[ground, "1", "1", "0", "0", "100.0 %"]]
    assert csv_rows(hq, "external-by-ground", query) == [
        {"ground": "not_available_internally", "requests": "1", "approved": "1",
         "rejected": "0", "awaiting": "0"}
    ]  # fmt: skip
    # PWR-01 and SVC-03 are in different sectors: HQ mediates.
    assert shown["table-disputes"] == [["in mediation", "mediated by the group (HQ)", "1"]]
    assert csv_rows(hq, "disputes", query) == [
        {"status": "in_mediation", "mediator_level": "group", "disputes": "1"}
    ]
    assert shown["table-findings"] == [["SVC-02 · Group Training Centre", "1", "1", "0", "0", "0"]]
    # The group's figures are those of the API's lists, counted.
    year = f"period=year&year={api.svc.today().year}"
    requests = api_rows(api, "/v1/external-sourcing")
    by_ground = {r["ground"]: r["requests"] for r in csv_rows(hq, "external-by-ground", year)}
    assert by_ground == {
        g: str(sum(1 for r in requests if r["ground"] == g))
        for g in {r["ground"] for r in requests}
    }
    disputes = api_rows(api, "/v1/disputes")
    counted = csv_rows(hq, "disputes", year)
    assert sum(int(r["disputes"]) for r in counted) == len(disputes)
    findings = api_rows(api, "/v1/inspections/findings")
    per_unit = {r["unit_id"]: r["findings"] for r in csv_rows(hq, "findings", year)}
    assert per_unit == {
        u: str(sum(1 for f in findings if f["unit_id"] == u))
        for u in {f["unit_id"] for f in findings}
    }


def test_the_annual_assessment(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    year = api.svc.today().year
    query = f"period=year&year={year}"
    # The group's table: the platforms (a level at a time); a unit filter goes down a level.
    items = [
        a for a in api_rows(api, "/v1/assessments/annual", year=year) if a["level"] == "platform"
    ]

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    assert csv_rows(hq, "assessment", query) == [
        {"unit_id": a["unit_id"], "level": a["level"]}
        | {f"{k['kpi']}.score": cell(k["score"]) for k in a["kpis"]}
        | {"total": cell(a["total"])}
        for a in items
    ]
    query += "&unit_id=SVC"
    ranked = tables(hq.get(f"/dashboard/assessment?{query}&sort=total").text)["table-assessment"]
    assert {r[0].split(" ")[0] for r in ranked} == {"SVC", "SVC-01", "SVC-02", "SVC-03"}
    totals = [r[-1] for r in ranked]
    judged = [t for t in totals if t != "—"]
    assert judged == sorted(judged, key=float, reverse=True) and judged
    assert totals == judged + ["—"] * (len(totals) - len(judged))  # the unjudged last
    # SVC-03's drill-down: one incident on its one contract as supplier.
    assert 'href="/dashboard/assessment?period=year&amp;' in hq.get(f"/dashboard?{query}").text
    page = hq.get(f"/dashboard/assessment?{query}").text
    assert unlabelled_fields(page) == []
    assert 'href="#assess-SVC-03"' in page and 'id="assess-SVC-03"' in page
    assert "1 quality incidents on 1 contracts as supplier" in page
    zh = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    zh_page = zh.get(f"/dashboard/assessment?{query}").text
    assert "作为供应方的 1 份合同发生 1 起质量事件" in zh_page
    # A platform admin: its own platform's units only, as the API answers it.
    svc = signed_in(api, "SVC", "platform_admin")
    own = [r["unit_id"] for r in csv_rows(svc, "assessment", query)]
    assert own == ["SVC", "SVC-01", "SVC-02", "SVC-03"]


def test_the_period_changes_the_figures(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    first, _ = this_month(api)
    before = first - timedelta(days=1)
    earlier = f"period=month&year={before.year}&month={before.month}&unit_id=SVC"
    page = hq.get(f"/dashboard?{earlier}")
    assert page.status_code == 200
    assert "table-trade-by-month" not in page.text and "Nothing to count" in page.text
    assert csv_rows(hq, "trade-by-month", earlier) == []
    custom = f"period=custom&from={first.isoformat()}&to={api.svc.today().isoformat()}&unit_id=SVC"
    assert len(csv_rows(hq, "trade-by-category", custom)) == 2
    default = hq.get("/dashboard")  # the current year, every unit
    assert '<option value="year" selected>' in default.text
    assert f'value="{api.svc.today().year}"' in default.text
    wrong = hq.get("/dashboard?period=custom&from=2026-02-30&to=2026-01-01")
    assert wrong.status_code == 422 and "A day as YYYY-MM-DD." in wrong.text
    assert "table-trade-by-month" not in wrong.text
    assert hq.get("/dashboard?period=quarter&quarter=5").status_code == 422
    assert hq.get("/dashboard/trade-by-month.csv?period=decade").status_code == 422


@pytest.mark.both_stores
def test_the_csv_equals_the_projections_rows(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    year = api.svc.today().year
    query = f"period=year&year={year}"
    by_month: list[dict[str, str]] = []
    compliance: list[dict[str, str]] = []
    for month in range(1, 13):
        first = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        name = first.strftime("%Y-%m")
        by_month += [{"month": name} | _text(r) for r in volume(api, "sector", first, end)]
        window = {"from": first.isoformat(), "to": end.isoformat()}
        path = "/v1/projections/invitation-compliance"
        rates = api_rows(api, path, group_by="platform", **window)
        compliance += [{"month": name} | _text(r) for r in rates]
    assert by_month and csv_rows(hq, "trade-by-month", query) == by_month
    assert csv_rows(hq, "compliance-by-platform", query) == compliance
    whole = (date(year, 1, 1), date(year + 1, 1, 1))
    for figure, group_by in (
        ("trade-by-category", "category"),
        ("trade-by-form", "trade_form"),
        ("top-demand", "demand_unit"),
        ("top-supply", "supply_unit"),
    ):
        assert csv_rows(hq, figure, query) == [_text(r) for r in volume(api, group_by, *whole)]
    flat = [
        _text(
            {k: v for k, v in r.items() if k not in ("by_kind", "by_severity")}
            | {f"by_kind.{k}": v for k, v in r["by_kind"].items()}
            | {f"by_severity.{k}": v for k, v in r["by_severity"].items()}
        )
        for r in quality(api)
    ]
    assert csv_rows(hq, "supplier-quality", query) == flat
    # The page's tables show the same numbers as the CSV.
    shown = tables(hq.get(f"/dashboard?{query}").text)["table-trade-by-month"]
    assert [r[2:] for r in shown] == [
        [r["contracts"], r["amount"], r["delivered_amount"]] for r in by_month
    ]


def test_who_reads_the_dashboard(api: InProcessApi, scenario: dict[str, str]) -> None:
    operator = signed_in(api, "PWR-01", "unit_operator")
    assert operator.get("/dashboard").status_code == 403
    assert operator.get("/dashboard/trade-by-month.csv").status_code == 403
    for role in ("auditor", "bi_reader"):
        reader = PortalUser(api, language="en")
        landed = reader.sign_in(api.tokens[("HQ", role)])
        assert landed.headers["location"] == "/dashboard"
        assert reader.get("/dashboard").status_code == 200
    svc = signed_in(api, "SVC", "platform_admin")
    own = svc.get(f"/dashboard?{month_query(api)}")
    assert own.status_code == 200
    # Its own subtree only: the two contracts with SVC units, not the demo's others.
    assert csv_rows(svc, "top-supply", month_query(api)) == [
        {"key": "PWR-03", "contracts": "1", "amount": "8050.00", "delivered_amount": "8050.00"},
        {"key": "SVC-03", "contracts": "1", "amount": "12000.00", "delivered_amount": "5000.00"},
    ]
    assert '<option value="HEAT"' not in own.text and '<option value="SVC-01"' in own.text
    assert svc.get(f"/dashboard?{month_query(api, 'SVC-01')}").status_code == 200
    assert svc.get(f"/dashboard?{month_query(api, 'HEAT')}").status_code == 403
    assert svc.get(f"/dashboard/top-supply.csv?{month_query(api, 'HEAT')}").status_code == 403
    hq = signed_in(api, "HQ", "hq_admin")
    assert hq.get("/dashboard?unit_id=NO-SUCH-UNIT").status_code == 404
    assert hq.get("/dashboard/no-such-figure.csv").status_code == 404


def test_chinese_labels(api: InProcessApi, scenario: dict[str, str]) -> None:
    hq = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    page = hq.get(f"/dashboard?{month_query(api, 'SVC')}").text
    assert "按月份和板块的内部交易额（元）" in page  # noqa: RUF001 - Chinese punctuation
    assert "以表格查看数据" in page
    shown = tables(page)
    assert [r[1] for r in shown["table-trade-by-month"]] == ["发电", "共享服务"]
    assert [r[0] for r in shown["table-trade-by-category"]] == ["产品类", "服务类"]
    assert '"label": "共享服务"' in page  # the chart's legend too


def test_the_median_days_to_close_disputes(api: InProcessApi, scenario: dict[str, str]) -> None:
    """Two disputes between COAL-02 and HEAT-02 closed by the parties 2 and 4 days after they
    were raised, one decided by HQ after 6 days (the two are in different sectors): medians 3.0
    and 6.0 by the mediator's level, 4.0 for all."""
    deal = {"buyer": "COAL-02", "supplier": "HEAT-02", "category": "product",
            "subcategory": "heat", "item_code": "STEAM-LP", "uom": "t", "quantity": "10",
            "price": "180.00", "delivered": "900.00"}  # fmt: skip
    contract_id = delivered_contract(api, deal)
    about = {"subject_type": "contract", "subject_id": contract_id, "against_unit_id": "HEAT-02",
             "kind": "quality", "claim": "Wet steam."}  # fmt: skip
    raised = [
        posted(api, "COAL-02", "unit_operator", "/v1/disputes", about)["dispute_id"]
        for _ in range(3)
    ]
    real = api.svc.clock
    try:
        for days, dispute_id in zip((2, 4), raised[:2], strict=True):
            api.svc.clock = lambda d=days: real() + timedelta(days=d)  # type: ignore[misc]
            posted(api, "COAL-02", "unit_operator", f"/v1/disputes/{dispute_id}/withdraw", {})
        mediated = raised[2]
        posted(api, "COAL-02", "unit_operator", f"/v1/disputes/{mediated}/mediation", {})
        api.svc.clock = lambda: real() + timedelta(days=6)  # type: ignore[method-assign]
        decided = {"decision": "Half the price back."}
        posted(api, "HQ", "hq_admin", f"/v1/disputes/{mediated}/resolve", decided)
    finally:
        api.svc.clock = real
    today = api.svc.today()
    query = (
        f"period=custom&from={today.isoformat()}&to={(today + timedelta(days=10)).isoformat()}"
        "&unit_id=COAL"
    )
    hq = signed_in(api, "HQ", "hq_admin")
    expected = [
        {"mediator_level": "group", "closed": "1", "median_days": "6.0"},
        {"mediator_level": "", "closed": "2", "median_days": "3.0"},
    ]
    assert until(lambda: csv_rows(hq, "dispute-closing", query) == expected), csv_rows(
        hq, "dispute-closing", query
    )
    shown = tables(hq.get(f"/dashboard?{query}").text)
    assert shown["table-dispute-closing"] == [
        ["mediated by the group (HQ)", "1", "6.0"],
        ["closed by the parties, without mediation", "2", "3.0"],
        ["All disputes", "3", "4.0"],
    ]
