"""A refused catalog CSV's problems, as `catalog_csv.read_rows` and `catalog_import` give them
(a code and the facts it names), on the page: each with its line and in the page's language;
every code the handlers give has its sentence in both languages."""

# ruff: noqa: RUF001 - Chinese sentences have full-width punctuation

from __future__ import annotations

import pytest

from marketplace.handlers.catalog_csv import CsvProblem, read_rows
from marketplace.portal.csv_problems import Problem, problems, sentence
from marketplace.portal.i18n import Translator

EN, ZH = Translator("en"), Translator("zh-CN")
HEADER = "supplier_unit_id,category,subcategory,item_code,item_name,uom"


def said(text: str, _: Translator = EN) -> list[Problem]:
    return problems(read_rows(text)[1], _)


def test_columns_and_rows() -> None:
    assert said("supplier_unit_id,category\nA,product\n") == [
        Problem(1, "Columns missing: subcategory, item_code, item_name, uom.")
    ]
    assert said(f"{HEADER},colour\nHEAT-01,product,heat,X,Steam,t,red\n") == [
        Problem(1, "Unknown columns 'colour'; the known ones are supplier_unit_id, category, "
                   "subcategory, item_code, item_name, uom, reference_price, capacity, regions, "
                       "price_breaks.")
    ]  # fmt: skip
    assert said(f"{HEADER}\nHEAT-01,product,heat,X,Steam,t,extra\n") == [
        Problem(2, "More values than the header has columns.")
    ]
    assert said(f"{HEADER}\n") == [Problem(None, "The file has no entries.")]


def test_fields_in_the_pages_language() -> None:
    text = f"{HEADER}\nHEAT-01,product,heat,X,,t\nHEAT-01,product,no-such,Y,Steam,t\n"
    assert said(text) == [
        Problem(2, "Name of the item: This field is required."),
        Problem(3, "The subcategory is not one of this category's."),
    ]
    assert said(text, ZH) == [
        Problem(2, "产品名称：此项为必填项。"),
        Problem(3, "该子类不属于此类别。"),
    ]
    regions = f"{HEADER},regions\nHEAT-01,product,heat,X,Steam,t,north;so\x01uth\n"
    assert said(regions, ZH) == [Problem(2, "服务区域：文本中含有控制字符。")]


# Each code the handlers give (catalog_csv.CsvProblem), a problem with its facts, and the page's
# sentence in English and in Chinese.
EVERY_CODE: list[tuple[CsvProblem, str, str]] = [
    (
        CsvProblem(1, "missing_columns", "missing columns uom", {"columns": ["item_name", "uom"]}),
        "Columns missing: item_name, uom.",
        "缺少列：item_name, uom。",
    ),
    (
        CsvProblem(1, "unknown_columns", "…", {"columns": ["colour"], "known": ["a", "b"]}),
        "Unknown columns 'colour'; the known ones are a, b.",
        "未知列 'colour'；可用的列为 a, b。",
    ),
    (
        CsvProblem(3, "surplus_values", "more values than the header has columns"),
        "More values than the header has columns.",
        "该行的值多于表头的列数。",
    ),
    (
        CsvProblem(None, "no_entries", "the file has no entries"),
        "The file has no entries.",
        "文件中没有条目。",
    ),
    (
        CsvProblem(4, "invalid_value", "…", {"field": "uom", "type": "missing", "message": "…"}),
        "Unit of measure: This field is required.",
        "计量单位：此项为必填项。",
    ),
    (
        CsvProblem(4, "unknown_subcategory", "…", {"category": "product", "subcategory": "x"}),
        "The subcategory is not one of this category's.",
        "该子类不属于此类别。",
    ),
    (
        CsvProblem(3, "supplier_not_found", "…", {"supplier_unit_id": "NOPE"}),
        "Supplier unit NOPE does not exist.",
        "供应单位 NOPE 不存在。",
    ),
    (
        CsvProblem(
            2,
            "supplier_outside_platform",
            "…",
            {"supplier_unit_id": "PWR-01", "platform_id": "HEAT"},
        ),
        "Supplier PWR-01 is not under platform HEAT: each platform submits its own.",
        "供应单位 PWR-01 不属于平台 HEAT：各平台只提交本板块的条目。",
    ),
    (
        CsvProblem(5, "supplier_inactive", "…", {"supplier_unit_id": "HEAT-09"}),
        "Supplier HEAT-09 is deactivated.",
        "供应单位 HEAT-09 已停用。",
    ),
    (
        CsvProblem(4, "duplicate_entry", "…", {"supplier_unit_id": "HEAT-02"}),
        "This supplier already has this item in the catalog version.",
        "该供应单位在此目录版本中已有该产品。",
    ),
    (
        CsvProblem(None, "submission_deadline_passed", "…", {"submission_deadline": "…"}),
        "The submission deadline of this catalog version has passed.",
        "该目录版本的提交截止时间已过。",
    ),
]


@pytest.mark.parametrize(("found", "english", "chinese"), EVERY_CODE, ids=lambda v: "")
def test_every_code_in_both_languages(found: CsvProblem, english: str, chinese: str) -> None:
    assert sentence(found, EN) == english
    assert sentence(found, ZH) == chinese
    assert problems([found], ZH) == [Problem(found.line, chinese)]


def test_a_code_the_page_does_not_know_is_said_as_the_handler_says_it() -> None:
    new = CsvProblem(5, "something_new", "something new [something_new]")
    assert sentence(new, ZH) == "something new [something_new]"
    odd = CsvProblem(2, "invalid_value", "…", {"field": "uom", "type": "new_kind", "message": "m"})
    assert sentence(odd, EN) == "Unit of measure: m"
