"""The dashboard's figures: the period and unit asked for, and each chart's numbers, table and CSV
rows from the read models' own queries (those of `/v1/projections/...`)."""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.assessment import KPIS, KpiScore
from marketplace.aggregates.organisation import Organisation
from marketplace.api.projection_queries import Window
from marketplace.handlers import assessments, reports
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import ReadModels, Services
from marketplace.portal.contract_page import KINDS, SEVERITIES, WORDS
from marketplace.portal.dispute_page import STATUSES as DISPUTE_STATUSES
from marketplace.portal.dispute_page import WORDS as DISPUTE_WORDS
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.web import kind_label
from marketplace.portal.wording import label
from marketplace.projections import (
    dispute_list,
    external_sourcing_list,
    inspection_findings,
    invitation_compliance,
    sql,
    supplier_quality,
    synergy_benefit,
    trade_volume,
)
from marketplace.projections.pages import PageRequest

T = TypeVar("T")

PERIODS = {
    "year": N_("a year"),
    "half": N_("a half-year"),
    "quarter": N_("a quarter"),
    "month": N_("a month"),
    "custom": N_("from one day to another"),
}
MONTHS_AT_MOST = 60  # a custom period's months are one query each: five years at most
TOP_UNITS = 10  # the top demand and supply units shown (the CSV has every unit)
RANKED_SUPPLIERS = 15  # suppliers in the quality chart (the table and CSV have every one)
EXCEPTIONS_SHOWN = 50  # the filed omissions listed, newest first
TABLE_ROWS = 50  # a per-unit table's first rows on the page (its CSV has every unit)

# The demo group's sectors (an unknown sector shows as its code).
SECTORS = {
    "group": N_("group headquarters"),
    "power": N_("power generation"),
    "heat": N_("heating"),
    "coal_chemical": N_("coal chemical"),
    "engineering": N_("engineering"),
    "services": N_("shared services"),
}


# The mediator's level in the chart (paper §3.4.1②: group, platform, enterprise mediation).
LEVELS = {
    "group": N_("mediated by the group (HQ)"),
    "platform": N_("mediated by a platform"),
    "enterprise": N_("mediated by an enterprise"),
    "": N_("not in mediation"),
}
GROUNDS = (
    "not_available_internally",
    "insufficient_for_urgent_need",
    "beyond_internal_capability",
    "high_risk_or_special_equipment",
)


class PeriodInvalid(Exception):
    """The period picker's values do not name a period: field → what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """Days [first, end) in the group's time zone, as the API's `from`/`to` take them."""

    first: date
    end: date

    def months(self) -> list[tuple[str, date, date]]:
        """Each month the period touches: its name and its days within the period."""
        found = []
        start = self.first
        while start < self.end:
            following = _next_month(start)
            found.append((start.strftime("%Y-%m"), start, min(following, self.end)))
            start = following
        return found

    @property
    def window(self) -> Window:
        return Window(self.first, self.end)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_of(values: Mapping[str, str], today: date) -> Period:
    """The period the picker names (every field has a default: the current year)."""
    errors: dict[str, str] = {}
    kind = values["period"]
    if kind not in PERIODS:
        raise PeriodInvalid({"period": N_("Choose one of the periods offered.")})

    def number(name: str, low: int, high: int) -> int:
        text = values[name]
        if not text.isdigit() or not low <= int(text) <= high:
            errors[name] = N_("A whole number from {low} to {high}.")
            return low
        return int(text)

    def day(name: str) -> date:
        try:
            return date.fromisoformat(values[name])
        except ValueError:
            errors[name] = N_("A day as YYYY-MM-DD.")
            return today

    if kind == "custom":
        first, last = day("from"), day("to")
        if not errors and last < first:
            errors["to"] = N_("The last day is before the first.")
        found = Period(first, last + timedelta(days=1)) if not errors else None
        if found and len(found.months()) > MONTHS_AT_MOST:
            errors["to"] = N_("At most five years at a time.")
    else:
        year = number("year", 2000, 2999)
        months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[kind]
        index = number(kind, 1, 12 // months) if kind != "year" else 1
        start = _month_start(year, (index - 1) * months + 1)
        found = Period(start, _month_start(start.year, start.month + months))
    if errors or found is None:
        raise PeriodInvalid(errors)
    return found


def picker_values(asked: Mapping[str, str], today: date) -> dict[str, str]:
    """The picker's fields as asked, the missing ones defaulting to the current year's."""
    defaults = {
        "period": "year",
        "year": str(today.year),
        "half": str((today.month - 1) // 6 + 1),
        "quarter": str((today.month - 1) // 3 + 1),
        "month": str(today.month),
        "from": date(today.year, 1, 1).isoformat(),
        "to": today.isoformat(),
        "unit_id": "",
    }
    return {name: (asked.get(name) or default).strip() for name, default in defaults.items()}


@dataclass
class Chart:
    """One figure: what the chart draws, its numbers as a table, and its CSV rows."""

    id: str
    title: str
    kind: str  # "bar", "doughnut", "line"; "" for a table without a chart
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)  # cells; a `Link` for a unit
    csv_header: list[str] = field(default_factory=list)
    csv_rows: list[list[str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    stacked: bool = False
    horizontal: bool = False
    unit: str = ""  # the values' unit as the axis says it
    sort_keys: list[str | None] = field(default_factory=list)  # per column: its `sort` value
    sorted_by: str = ""
    # A drill-down per row: its anchor, its title, its own table's columns and rows.
    drill_columns: list[str] = field(default_factory=list)
    drill: list[tuple[str, str, list[list[Any]]]] = field(default_factory=list)
    page: str = "/dashboard"  # the page that shows it (its sort links go there)
    shown_of: int = 0  # when the table shows only its first rows: how many there are

    def table_of(self, rows: Sequence[T], cells: Callable[[T], list[Any]], shown: int) -> None:
        """The table's rows: `cells` of the first `shown` of `rows` only (a page of 2,000
        suppliers shows a few dozen: the others' cells are not worth making), saying of how
        many."""
        self.rows = [cells(r) for r in rows[:shown]]
        self.shown_of = len(rows) if len(rows) > shown else 0

    def drawing(self) -> dict[str, Any]:
        """What dashboard.js draws (a JSON data block, not a script)."""
        return {
            "type": self.kind,
            "labels": self.labels,
            "datasets": self.datasets,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "unit": self.unit,
        }

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.csv_header)
        writer.writerows(self.csv_rows)
        return out.getvalue()


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Overdue:
    """A cell that says a deadline passed (in words and a sign, not by colour alone)."""

    text: str


@dataclass(frozen=True)
class Scope:
    """What every figure is asked for: the period, the units (None: the group), the words."""

    models: ReadModels
    zone: Any
    period: Period
    units: frozenset[str] | None
    org: Organisation
    _: Translator
    today: date
    principal: Principal
    svc: Services
    sort: str = ""
    whole: bool = False  # a CSV download: every row of a figure the page shows the first of
    # Read-model rows two figures share, fetched once a request.
    shared: dict[str, Any] = field(default_factory=dict, compare=False)

    def sector(self, code: str | None) -> str:
        return self._(SECTORS[code]) if code in SECTORS else (code or "—")

    def assessed(self) -> set[str]:
        """The units the assessment table shows: the top of the units counted and the units
        right under it (the platforms, for the group) — one level at a time, as a big group
        has thousands of enterprises; the unit filter goes down a level."""
        units = self.org.units
        if self.units is None:
            top = {u for u, unit in units.items() if unit.parent_id is None}
        else:
            top = {u for u in self.units if units[u].parent_id not in self.units}
        return top | {u for u, unit in units.items() if unit.parent_id in top}

    def unit_text(self, unit_id: str) -> str:
        known = self.org.units.get(unit_id)
        return f"{unit_id} · {known.name}" if known else unit_id

    def unit(self, unit_id: str | None) -> Link | str:
        if not unit_id:
            return "—"
        known = self.org.units.get(unit_id)
        text = f"{unit_id} · {known.name}" if known else unit_id
        return Link(f"/units/{unit_id}", text)

    def bounds(self, first: date, end: date) -> tuple[Any, Any]:
        return Window(first, end).bounds(self.zone)


def _amount(text: str) -> float:
    return float(Decimal(text))


def _volume_csv(row: dict[str, Any]) -> list[str]:
    return [str(row["key"] or ""), str(row["contracts"]), row["amount"], row["delivered_amount"]]


VOLUME_FIELDS = ["key", "contracts", "amount", "delivered_amount"]


async def trade_by_month(scope: Scope) -> Chart:
    """Internal trade per month, stacked by the supplier's sector (bars)."""
    _ = scope._
    reader = await scope.models.reader(trade_volume.PROJECTION.name)
    chart = Chart(
        "trade-by-month",
        _("Internal trade by month and sector (CNY)"),
        "bar",
        [_("Month"), _("Sector"), _("Contracts"), _("Amount (CNY)"), _("Delivered so far (CNY)")],
        csv_header=["month", *VOLUME_FIELDS],
        stacked=True,
        unit="CNY",
    )
    by_sector: dict[str, dict[str, float]] = {}
    months = scope.period.months()
    slices = [scope.bounds(first, end) for _, first, end in months]
    by_month = await trade_volume.volume_by_slice(reader, "sector", slices, units=scope.units)
    for (name, _first, _end), rows in zip(months, by_month, strict=True):
        chart.labels.append(name)
        for row in rows:
            by_sector.setdefault(row["key"] or "", {})[name] = _amount(row["amount"])
            chart.rows.append(
                [name, scope.sector(row["key"]), row["contracts"], row["amount"],
                 row["delivered_amount"]]
            )  # fmt: skip
            chart.csv_rows.append([name, *_volume_csv(row)])
    chart.datasets = [
        {"label": scope.sector(sector), "data": [amounts.get(m, 0) for m in chart.labels]}
        for sector, amounts in sorted(by_sector.items())
    ]
    return chart


# The period's totals the page's donuts and top tables show: one pass for all four where the
# store can (see trade_volume.volumes), shared like the supplier rows.
VOLUMES: tuple[trade_volume.GroupBy, ...] = ("category", "trade_form", "demand_unit", "supply_unit")


async def _volume(scope: Scope, group_by: trade_volume.GroupBy) -> list[dict[str, Any]]:
    reader = await scope.models.reader(trade_volume.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    if sql.on_sqlite(reader):  # a query per figure: they run side by side on its readers
        return await trade_volume.volume(reader, group_by, *bounds, units=scope.units)
    if "volumes" not in scope.shared:
        scope.shared["volumes"] = asyncio.ensure_future(
            trade_volume.volumes(reader, VOLUMES, *bounds, units=scope.units)
        )
    found: dict[str, list[dict[str, Any]]] = await scope.shared["volumes"]
    return found[group_by]


async def _donut(
    scope: Scope,
    group_by: trade_volume.GroupBy,
    chart_id: str,
    title: str,
    heading: str,
    label: Callable[[str], str],
) -> Chart:
    """Internal trade of the period by one dimension, as a donut: `label` names each key."""
    _ = scope._
    rows = await _volume(scope, group_by)
    chart = Chart(
        chart_id,
        title,
        "doughnut",
        [heading, _("Contracts"), _("Amount (CNY)"), _("Delivered so far (CNY)")],
        csv_header=VOLUME_FIELDS,
        unit="CNY",
    )
    names = [label(r["key"]) if r["key"] else "—" for r in rows]
    chart.labels = names
    chart.datasets = [{"label": _("Amount (CNY)"), "data": [_amount(r["amount"]) for r in rows]}]
    chart.rows = [
        [n, r["contracts"], r["amount"], r["delivered_amount"]]
        for n, r in zip(names, rows, strict=True)
    ]
    chart.csv_rows = [_volume_csv(r) for r in rows]
    return chart


async def trade_by_category(scope: Scope) -> Chart:
    """Internal trade of the period by category (a donut)."""
    _ = scope._
    return await _donut(
        scope,
        "category",
        "trade-by-category",
        _("Internal trade by category (CNY)"),
        _("Category"),
        lambda key: kind_label(_.language, key),
    )


TRADE_FORMS = {
    "one_off": N_("one-off awards"),
    "framework": N_("framework call-offs"),
    "joint": N_("joint procurement shares"),
    "resource": N_("shared resource bookings"),
}


async def trade_by_form(scope: Scope) -> Chart:
    """Internal trade of the period by how it came about: one-off awards, framework call-offs,
    joint-procurement shares, resource bookings (a donut)."""
    _ = scope._
    return await _donut(
        scope,
        "trade_form",
        "trade-by-form",
        _("Internal trade by trade form (CNY)"),
        _("Trade form"),
        lambda key: _(TRADE_FORMS[key]) if key in TRADE_FORMS else key,
    )


async def _top(scope: Scope, group_by: trade_volume.GroupBy, chart_id: str, title: str) -> Chart:
    _ = scope._
    rows = await _volume(scope, group_by)
    chart = Chart(
        chart_id,
        title,
        "",
        [_("Unit"), _("Contracts"), _("Amount (CNY)"), _("Delivered so far (CNY)")],
        csv_header=VOLUME_FIELDS,
    )
    ranked = sorted(rows, key=lambda r: (-Decimal(r["amount"]), r["key"] or ""))[:TOP_UNITS]
    chart.rows = [
        [scope.unit(r["key"]), r["contracts"], r["amount"], r["delivered_amount"]] for r in ranked
    ]
    if scope.whole:  # the CSV: every unit, in the API's order (the page links to it)
        chart.csv_rows = [_volume_csv(r) for r in rows]
    return chart


async def top_demand(scope: Scope) -> Chart:
    return await _top(scope, "demand_unit", "top-demand", scope._("Top buying units"))


async def top_supply(scope: Scope) -> Chart:
    return await _top(scope, "supply_unit", "top-supply", scope._("Top supplying units"))


COMPLIANCE_FIELDS = ["key", "tenders", "compliant", "exception_filed", "rate"]


async def compliance_by_platform(scope: Scope) -> Chart:
    """Invitation compliance per platform, month by month (lines, in %)."""
    _ = scope._
    reader = await scope.models.reader(invitation_compliance.PROJECTION.name)
    chart = Chart(
        "compliance-by-platform",
        _("Invitation compliance by platform and month (%)"),
        "line",
        [_("Month"), _("Platform"), _("Tenders for catalog items"),
         _("every catalog supplier invited"), _("omission filed"), _("Rate")],
        csv_header=["month", *COMPLIANCE_FIELDS],
        unit="%",
    )  # fmt: skip
    by_platform: dict[str, dict[str, float]] = {}
    months = scope.period.months()
    slices = [scope.bounds(first, end) for _, first, end in months]
    by_month = await invitation_compliance.rates_by_slice(
        reader, "platform", slices, units=scope.units
    )
    for (name, _first, _end), rows in zip(months, by_month, strict=True):
        chart.labels.append(name)
        for row in rows:
            percent = float(Decimal(row["rate"]) * 100)
            by_platform.setdefault(row["key"] or "", {})[name] = percent
            chart.rows.append(
                [name, scope.unit(row["key"]), row["tenders"], row["compliant"],
                 row["exception_filed"], f"{percent:.1f} %"]
            )  # fmt: skip
            cells = ("" if row[f] is None else str(row[f]) for f in COMPLIANCE_FIELDS)
            chart.csv_rows.append([name, *cells])
    chart.datasets = [
        {"label": platform or "—", "data": [rates.get(m) for m in chart.labels]}
        for platform, rates in sorted(by_platform.items())
    ]
    return chart


async def compliance_exceptions(scope: Scope) -> Chart:
    """The tenders launched with a filed omission, with the reason (newest first)."""
    _ = scope._
    reader = await scope.models.reader(invitation_compliance.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    found = await invitation_compliance.exceptions(
        reader, *bounds, PageRequest(limit=EXCEPTIONS_SHOWN), units=scope.units
    )
    chart = Chart(
        "compliance-exceptions",
        _("Omissions filed"),
        "",
        [_("Launched"), _("Tender"), _("Buying unit"), _("Item"),
         _("Catalog suppliers not invited"), _("Reason filed")],
        csv_header=["tender_id", "need_id", "demand_unit_id", "demand_platform_id", "item_code",
                    "launched_at", "missing_catalog_suppliers", "omission_filing"],
    )  # fmt: skip
    for item in found.items:
        launched = item["launched_at"].astimezone(scope.zone).strftime("%Y-%m-%d %H:%M")
        chart.rows.append(
            [launched, Link(f"/tenders/{item['tender_id']}", item["tender_id"]),
             scope.unit(item["demand_unit_id"]), item["item_code"],
             ", ".join(item["missing_catalog_suppliers"]), item["omission_filing"] or "—"]
        )  # fmt: skip
        chart.csv_rows.append(
            [item["tender_id"], item["need_id"], item["demand_unit_id"],
             item["demand_platform_id"], item["item_code"], item["launched_at"].isoformat(),
             ";".join(item["missing_catalog_suppliers"]), item["omission_filing"] or ""]
        )  # fmt: skip
    return chart


async def arm_length(scope: Scope) -> Chart:
    """Contracts priced above their reference by more than the rules' tolerance (newest first):
    what group tax and audit teams ask of internal, related-party, pricing."""
    _ = scope._
    reader = await scope.models.reader(synergy_benefit.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    # The page shows the newest few and says of how many; its CSV has every one.
    limit = None if scope.whole else EXCEPTIONS_SHOWN
    found = await synergy_benefit.exceptions(reader, *bounds, units=scope.units, limit=limit)
    chart = Chart(
        "arm-length",
        _("Prices above the reference (arm's length)"),
        "",
        [_("Activated"), _("Contract"), _("Buying unit"), _("Supplier"), _("Reference source"),
         _("Reference unit price"), _("Unit price"), _("Excess over the reference (%)")],
        csv_header=list(ARM_LENGTH_FIELDS),
    )  # fmt: skip
    sources = {"external_bid": _("Best external bid"), "catalog": _("Catalog price")}
    for r in found:
        activated = r["activated_at"].astimezone(scope.zone).strftime("%Y-%m-%d")
        chart.rows.append(
            [activated, Link(f"/contracts/{r['contract_id']}", r["contract_id"]),
             scope.unit(r["demand_unit_id"]), scope.unit(r["supply_unit_id"]),
             sources.get(r["reference_source"], r["reference_source"]),
             r["reference_unit_price"], r["unit_price"], r["excess_pct"]]
        )  # fmt: skip
        chart.csv_rows.append(
            [r["activated_at"].isoformat() if f == "activated_at" else str(r[f])
             for f in ARM_LENGTH_FIELDS]
        )  # fmt: skip
    if limit is not None and len(found) == limit:
        count = await synergy_benefit.count_exceptions(reader, *bounds, scope.units)
        chart.shown_of = count if count > limit else 0
    return chart


ARM_LENGTH_FIELDS = (
    "contract_id", "demand_unit_id", "supply_unit_id", "category", "activated_at",
    "reference_source", "reference_unit_price", "unit_price", "quantity", "tolerance_pct",
    "excess_pct",
)  # fmt: skip


QUALITY_FIELDS = [
    "supplier_unit_id",
    "incidents",
    "open",
    *(f"by_kind.{k}" for k in supplier_quality.KINDS),
    *(f"by_severity.{s}" for s in supplier_quality.SEVERITIES),
    "contracts",
    "incidents_per_contract",
]


async def _suppliers(scope: Scope) -> list[dict[str, Any]]:
    """The supplier rows two figures share: one query, however the page's figures interleave
    (both ask at once under asyncio.gather, so the first asking starts it and both await it)."""

    async def fetch() -> list[dict[str, Any]]:
        reader = await scope.models.reader(supplier_quality.PROJECTION.name)
        return await supplier_quality.suppliers(reader, None, scope.units)

    if "suppliers" not in scope.shared:
        scope.shared["suppliers"] = asyncio.ensure_future(fetch())
    found: list[dict[str, Any]] = await scope.shared["suppliers"]
    return found


def _quality_csv(row: dict[str, Any]) -> list[str]:
    flat = {
        **row,
        **{f"by_kind.{k}": v for k, v in row["by_kind"].items()},
        **{f"by_severity.{k}": v for k, v in row["by_severity"].items()},
    }
    return ["" if flat[f] is None else str(flat[f]) for f in QUALITY_FIELDS]


async def supplier_ranking(scope: Scope) -> Chart:
    """Incidents per contract by supplier, worst first (ranked bars); every count in the table."""
    _ = scope._
    rows = await _suppliers(scope)
    chart = Chart(
        "supplier-quality",
        _("Quality incidents per contract by supplier (since the start)"),
        "bar",
        [_("Supplier"), _("Contracts"), _("Incidents"), _("Open incidents"),
         _("Incidents per contract"),
         *(_(WORDS[k]) for k in KINDS), *(_(WORDS[s]) for s in SEVERITIES)],
        csv_header=QUALITY_FIELDS,
        horizontal=True,
    )  # fmt: skip

    def per_contract(row: dict[str, Any]) -> Decimal:
        return Decimal(row["incidents_per_contract"] or 0)

    ranked = sorted(rows, key=lambda r: (-per_contract(r), -r["incidents"], r["supplier_unit_id"]))
    charted = [r for r in ranked if r["incidents"]][:RANKED_SUPPLIERS]
    chart.labels = [r["supplier_unit_id"] for r in charted]
    chart.datasets = [
        {"label": _("Incidents per contract"), "data": [float(per_contract(r)) for r in charted]}
    ]
    chart.table_of(
        ranked,
        lambda r: [scope.unit(r["supplier_unit_id"]), r["contracts"], r["incidents"], r["open"],
                   r["incidents_per_contract"] or "—",
                   *(r["by_kind"][k] for k in KINDS), *(r["by_severity"][s] for s in SEVERITIES)],
        TABLE_ROWS,
    )  # fmt: skip
    if scope.whole:  # the CSV: the API's rows, by supplier id
        chart.csv_rows = [_quality_csv(r) for r in rows]
    return chart


async def quality_breakdown(scope: Scope) -> Chart:
    """Incidents by kind and by severity, all suppliers in scope together (bars)."""
    _ = scope._
    rows = await _suppliers(scope)
    chart = Chart(
        "quality-breakdown",
        _("Quality incidents by kind and severity (since the start)"),
        "bar",
        [_("Kind or severity"), _("Incidents"), _("Open incidents")],
        csv_header=["key", "incidents"],
    )
    totals: dict[str, int] = {}
    for code in (*KINDS, *SEVERITIES):
        part = "by_kind" if code in KINDS else "by_severity"
        totals[code] = sum(r[part][code] for r in rows)
    chart.labels = [_(WORDS[c]) for c in totals]
    chart.datasets = [{"label": _("Incidents"), "data": list(totals.values())}]
    chart.rows = [[_(WORDS[c]), n, ""] for c, n in totals.items()]
    chart.rows.append([_("All incidents"), sum(r["incidents"] for r in rows),
                       sum(r["open"] for r in rows)])  # fmt: skip
    chart.csv_rows = [[c, str(n)] for c, n in totals.items()]
    return chart


EXTERNAL_FIELDS = ["ground", "requests", "approved", "rejected", "awaiting"]


async def external_by_ground(scope: Scope) -> Chart:
    """Requests to buy outside the group in the period by ground, and how they were decided."""
    _ = scope._
    reader = await scope.models.reader(external_sourcing_list.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    rows = await external_sourcing_list.by_ground(reader, *bounds, units=scope.units)
    chart = Chart(
        "external-by-ground",
        _("Requests to buy outside the group by ground"),
        "bar",
        [_("Ground"), _("Requests"), _("approved"), _("rejected"), _("awaiting decision"),
         _("Approval rate of those decided")],
        csv_header=EXTERNAL_FIELDS,
        stacked=True,
    )  # fmt: skip
    chart.labels = [label(r["ground"], _) for r in rows]
    chart.datasets = [
        {"label": _(part), "data": [r[key] for r in rows]}
        for key, part in (("approved", "approved"), ("rejected", "rejected"),
                          ("awaiting", "awaiting decision"))
    ]  # fmt: skip
    for r in rows:
        chart.rows.append(
            [label(r["ground"], _), r["requests"], r["approved"], r["rejected"], r["awaiting"],
             _rate(r["approved"], r["approved"] + r["rejected"])]
        )  # fmt: skip
        chart.csv_rows.append([str(r[f]) for f in EXTERNAL_FIELDS])
    if len(rows) > 1:
        totals = {k: sum(r[k] for r in rows) for k in EXTERNAL_FIELDS[1:]}
        chart.rows.append(
            [_("All grounds"), *(totals[k] for k in EXTERNAL_FIELDS[1:]),
             _rate(totals["approved"], totals["approved"] + totals["rejected"])]
        )  # fmt: skip
    return chart


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


DISPUTE_FIELDS = ["status", "mediator_level", "disputes"]


async def disputes_by_status(scope: Scope) -> Chart:
    """Disputes raised in the period by status, stacked by the mediator's level."""
    _ = scope._
    reader = await scope.models.reader(dispute_list.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    rows = await dispute_list.counts(reader, *bounds, units=scope.units)
    counted: dict[tuple[str, str], int] = {}
    for r in rows:
        mediator = scope.org.units.get(r["mediator_unit_id"] or "")
        level = mediator.level.value if mediator else ""
        counted[(r["status"], level)] = counted.get((r["status"], level), 0) + r["disputes"]
    statuses = [s for s in DISPUTE_STATUSES if any(k[0] == s for k in counted)]
    statuses += sorted({k[0] for k in counted} - set(statuses))
    chart = Chart(
        "disputes",
        _("Disputes raised in the period by status and mediator"),
        "bar",
        [_("Status"), _("Mediator"), _("Disputes")],
        csv_header=DISPUTE_FIELDS,
        stacked=True,
    )

    def status_label(code: str) -> str:
        return _(DISPUTE_WORDS[code]) if code in DISPUTE_WORDS else label(code, _)

    chart.labels = [status_label(s) for s in statuses]
    levels = [lv for lv in LEVELS if any(k[1] == lv for k in counted)]
    chart.datasets = [
        {"label": _(LEVELS[lv]), "data": [counted.get((s, lv), 0) for s in statuses]}
        for lv in levels
    ]
    for status in statuses:
        for level in levels:
            if (status, level) in counted:
                n = counted[(status, level)]
                chart.rows.append([status_label(status), _(LEVELS[level]), n])
                chart.csv_rows.append([status, level, str(n)])
    return chart


CLOSING_FIELDS = ["mediator_level", "closed", "median_days"]


async def dispute_closing(scope: Scope) -> Chart:
    """Disputes closed in the period (resolved, settled, withdrawn): how many and the median
    days from raising to closing, by the mediator's level, and for all of them."""
    _ = scope._
    reader = await scope.models.reader(dispute_list.PROJECTION.name)
    bounds = scope.period.window.bounds(scope.zone)
    rows = await dispute_list.closings(reader, *bounds, units=scope.units)
    days: dict[str, list[float]] = {}
    for r in rows:
        mediator = scope.org.units.get(r["mediator_unit_id"] or "")
        level = mediator.level.value if mediator else ""
        taken = (r["closed_at"] - r["raised_at"]).total_seconds() / 86400
        days.setdefault(level, []).append(taken)
    chart = Chart(
        "dispute-closing",
        _("Disputes closed in the period: median days from raising to closing"),
        "",
        [_("Mediator"), _("Disputes closed"), _("Median days to close")],
        csv_header=CLOSING_FIELDS,
    )
    for level in [lv for lv in LEVELS if lv in days]:
        median = f"{statistics.median(days[level]):.1f}"
        who = _(LEVELS[level]) if level else _("closed by the parties, without mediation")
        chart.rows.append([who, len(days[level]), median])
        chart.csv_rows.append([level, str(len(days[level])), median])
    if len(days) > 1:
        every = [d for taken in days.values() for d in taken]
        chart.rows.append([_("All disputes"), len(every), f"{statistics.median(every):.1f}"])
    return chart


async def findings_by_unit(scope: Scope) -> Chart:
    """Inspection findings per unit today: open, overdue (marked in words), rectified late."""
    _ = scope._
    reader = await scope.models.reader(inspection_findings.PROJECTION.name)
    rows = await inspection_findings.counts_by_unit(reader, scope.today, units=scope.units)
    chart = Chart(
        "findings",
        _("Inspection findings by unit (as of today)"),
        "",
        [_("Unit"), _("Findings"), _("Open"), _("Overdue"), _("Rectified"),
         _("Rectified late")],
        csv_header=["unit_id", *inspection_findings.COUNTED],
    )  # fmt: skip
    ranked = sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["unit_id"]))

    def cells(r: dict[str, Any]) -> list[Any]:
        overdue = Overdue(_("⚠ {count} overdue", count=r["overdue"])) if r["overdue"] else 0
        return [scope.unit(r["unit_id"]), r["findings"], r["open"], overdue, r["rectified"],
                r["rectified_late"]]  # fmt: skip

    chart.table_of(ranked, cells, TABLE_ROWS)
    if scope.whole:
        chart.csv_rows = [[r["unit_id"], *(str(r[c]) for c in inspection_findings.COUNTED)]
                          for r in rows]  # fmt: skip
    return chart


KPI_NAMES = {
    "invitation_compliance": N_("Invitation compliance"),
    "supplier_quality": N_("Supplier quality"),
    "inspection_rectification": N_("Inspection findings rectified in time"),
    "quarterly_reporting": N_("Quarterly reports submitted"),
    "dispute_settlement": N_("Disputes closed"),
    "action_items_on_time": N_("Meeting action items done on time"),
}
# Each KPI's basis as the page says it, by its code (`assessment.BASIS_CODES`): `{…}` are the
# counts the assessment names in its `basis_facts`.
BASES = {
    "tenders_inviting_every_catalog_supplier": N_(
        "{compliant} of {tenders} tenders for catalog items invited every catalog supplier"
    ),
    "incidents_on_contracts_as_supplier": N_(
        "{incidents} quality incidents on {contracts} contracts as supplier"
    ),
    "findings_rectified_in_time": N_(
        "{rectified_in_time} of {due} inspection findings due rectified in time"
    ),
    "quarterly_reports_submitted": N_("{submitted} of {due} quarterly reports due submitted"),
    "disputes_closed": N_("{closed} of {raised} disputes raised closed"),
    "action_items_done_by_due_day": N_(
        "{on_time} of {due} meeting action items due done by their due day"
    ),
}
UNIT_LEVELS = {
    "platform": N_("platform"),
    "enterprise": N_("enterprise"),
}


def basis_words(kpi: KpiScore, _: Translator) -> str:
    """A KPI's basis in the page's language, from its code and counts (an unknown code as the
    assessment says it, in English)."""
    words = BASES.get(kpi.basis_code)
    return _(words, **kpi.basis_facts) if words else kpi.basis


def _score(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _scheme_words(a: assessments.UnitAssessment, _: Translator) -> str:
    """Whose weights scored the unit: its platform's own scheme, or HQ's rules version."""
    if a.platform_scheme is not None:
        s = a.platform_scheme
        return _("{platform}'s scheme v{version}", platform=s.platform_unit_id, version=s.version)
    return _("Group rules v{version}", version=a.rules_version)


def _columns(found: list[assessments.UnitAssessment], _: Translator) -> list[tuple[str, str]]:
    """The KPIs a shown unit's scheme weighs, in the platform's order, each with its title:
    its weight too when every unit weighing it weighs it alike."""
    weights: dict[str, set[int]] = {}
    for a in found:
        for k in a.kpis:
            weights.setdefault(k.kpi, set()).add(k.weight)
    columns = []
    for kpi in (k for k in KPIS if k in weights):
        name = _(KPI_NAMES[kpi])
        (alike,) = weights[kpi] if len(weights[kpi]) == 1 else (None,)
        title = name if alike is None else _("{kpi} ({weight} %)", kpi=name, weight=alike)
        columns.append((kpi, title))
    return columns


async def annual_assessment(scope: Scope) -> Chart:
    """The year's assessment (`GET /v1/assessments/annual`'s handlers) of the units shown (see
    `Scope.assessed`): each KPI's score, the total, whose scheme weighed them; sortable by any
    column; each unit's bases below. A KPI a unit's scheme does not weigh shows "—"."""
    _ = scope._
    year = scope.period.first.year
    found = await assessments.annual(scope.svc, scope.models, await assessed_shown(scope), year)
    columns = _columns(found, _)
    used = [kpi for kpi, _title in columns]
    chart = Chart(
        "assessment",
        _("Annual assessment {year}", year=year),
        "",
        [_("Unit"), _("Level"), _("Scheme"), *(title for _kpi, title in columns), _("Total")],
        csv_header=["unit_id", "level", *(f"{k}.score" for k in used), "total"],
        sort_keys=["unit", None, None, *used, "total"],
        page="/dashboard/assessment",
    )
    chart.drill_columns = [_("Indicator"), _("Weight"), _("Score"), _("Basis")]

    def value(a: assessments.UnitAssessment) -> Decimal | None:
        if scope.sort == "total":
            return a.total
        return next((k.score for k in a.kpis if k.kpi == scope.sort), None)

    ordered = list(found)  # by unit id, as the API answers
    if scope.sort in KPIS or scope.sort == "total":
        chart.sorted_by = scope.sort
        judged = sorted((a for a in found if value(a) is not None), key=lambda a: -(value(a) or 0))
        ordered = judged + [a for a in found if value(a) is None]  # unjudged last
    else:
        chart.sorted_by = "unit"
    for a in ordered:
        scores = {k.kpi: k.score for k in a.kpis}
        level = _(UNIT_LEVELS[a.level]) if a.level in UNIT_LEVELS else a.level
        chart.rows.append(
            [Link(f"#assess-{a.unit_id}", scope.unit_text(a.unit_id)), level,
             _scheme_words(a, _), *(_score(scores.get(k)) for k in used), _score(a.total)]
        )  # fmt: skip
        chart.drill.append(
            (f"assess-{a.unit_id}", f"{scope.unit_text(a.unit_id)} · {_scheme_words(a, _)}",
             [[_(KPI_NAMES.get(k.kpi, k.kpi)), f"{k.weight} %", _score(k.score),
               basis_words(k, _)] for k in a.kpis])
        )  # fmt: skip
    for a in found:
        scores = {k.kpi: k.score for k in a.kpis}
        chart.csv_rows.append(
            [a.unit_id, a.level, *(_score(scores.get(k)).replace("—", "") for k in used),
             _score(a.total).replace("—", "")]
        )  # fmt: skip
    return chart


async def assessed_shown(scope: Scope) -> list[str]:
    """The units the assessment page shows: those of `Scope.assessed` the token reads."""
    units = await run_in_threadpool(reports.assessed_units, scope.svc, scope.principal, None)
    shown = scope.assessed()
    return [u for u in units if u in shown]


Figure = Callable[[Scope], Awaitable[Chart]]
# In the page's order; the CSV of each at `/dashboard/{id}.csv`.
FIGURES: dict[str, Figure] = {
    "trade-by-month": trade_by_month,
    "trade-by-category": trade_by_category,
    "trade-by-form": trade_by_form,
    "top-demand": top_demand,
    "top-supply": top_supply,
    "compliance-by-platform": compliance_by_platform,
    "compliance-exceptions": compliance_exceptions,
    "arm-length": arm_length,
    "supplier-quality": supplier_ranking,
    "quality-breakdown": quality_breakdown,
    "external-by-ground": external_by_ground,
    "disputes": disputes_by_status,
    "dispute-closing": dispute_closing,
    "findings": findings_by_unit,
    "assessment": annual_assessment,
}
# The page's sections: a heading and the figures under it.
SECTIONS = (
    (
        N_("Internal trade"),
        ("trade-by-month", "trade-by-category", "trade-by-form", "top-demand", "top-supply"),
    ),
    (N_("Invitation compliance"), ("compliance-by-platform", "compliance-exceptions")),
    (N_("Internal pricing"), ("arm-length",)),
    (N_("Supplier quality"), ("supplier-quality", "quality-breakdown")),
    (N_("Buying outside the group"), ("external-by-ground",)),
    (N_("Disputes"), ("disputes", "dispute-closing")),
    (N_("Inspection findings"), ("findings",)),
)
# The annual assessment scores each unit from its subtree's year: a page of its own, linked
# from the dashboard, so the figures above do not wait for it.
ASSESSMENT = "assessment"


def unit_choices(org: Organisation, reach: frozenset[str] | None) -> list[tuple[str, str]]:
    """The unit filter's options: every unit within reach (all for analysts)."""
    return [
        (u, f"{u} · {org.units[u].name}") for u in sorted(org.units) if reach is None or u in reach
    ]
