"""Each annual-assessment KPI's basis on the dashboard, from its code and counts
(`KpiScore.basis_code`, `basis_facts`) in both languages: in English as the assessment says
it, in Chinese from the dashboard's catalog; an unknown code as the assessment says it."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.assessment import BASIS_CODES, KpiScore, YearRecord, score
from marketplace.portal.dashboard_page import BASES, basis_words
from marketplace.portal.i18n import Translator

EN, ZH = Translator("en"), Translator("zh-CN")
RECORD = YearRecord(
    tenders_for_catalog_items=40,
    tenders_compliant=12,
    contracts_as_supplier=30,
    incidents_against=2,
    findings_due=4,
    findings_rectified_on_time=3,
    reports_due=3,
    reports_submitted=1,
    disputes_raised=6,
    disputes_closed=5,
    action_items_due=7,
    action_items_on_time=6,
)
CHINESE = {
    "invitation_compliance": "目录内物资的 40 次招标中有 12 次邀请了全部目录供应商",
    "supplier_quality": "作为供应方的 30 份合同发生 2 起质量事件",
    "inspection_rectification": "到期的 4 项检查问题中 3 项按期整改",
    "quarterly_reporting": "应报的 3 份季度报告中已报送 1 份",
    "dispute_settlement": "提出的 6 起争议中已办结 5 起",
    "action_items_on_time": "到期的 7 项工作会议督办事项中 6 项按期完成",
}


def test_every_code_has_its_sentence_in_both_languages() -> None:
    kpis, _ = score(RECORD)
    assert {k.basis_code for k in kpis} == set(BASES) == {c for c, _ in BASIS_CODES.values()}
    for k in kpis:
        assert basis_words(k, EN) == k.basis, k.kpi  # the English is the assessment's own
        assert basis_words(k, ZH) == CHINESE[k.kpi], k.kpi


def test_the_codes_counts() -> None:
    facts = {k.kpi: (k.basis_code, k.basis_facts) for k in score(RECORD)[0]}
    assert facts == {
        "invitation_compliance": (
            "tenders_inviting_every_catalog_supplier",
            {"compliant": 12, "tenders": 40},
        ),
        "supplier_quality": (
            "incidents_on_contracts_as_supplier",
            {"incidents": 2, "contracts": 30},
        ),
        "inspection_rectification": (
            "findings_rectified_in_time",
            {"rectified_in_time": 3, "due": 4},
        ),
        "quarterly_reporting": ("quarterly_reports_submitted", {"submitted": 1, "due": 3}),
        "dispute_settlement": ("disputes_closed", {"closed": 5, "raised": 6}),
        "action_items_on_time": ("action_items_done_by_due_day", {"on_time": 6, "due": 7}),
    }


def test_an_unknown_code_is_said_as_the_assessment_says_it() -> None:
    new = KpiScore("new_kpi", 10, Decimal(50), "1 of 2 things done", "things_done", {"done": 1})
    assert basis_words(new, ZH) == "1 of 2 things done"
