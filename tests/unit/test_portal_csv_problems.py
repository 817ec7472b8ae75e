"""A refused catalog CSV's problems, as `catalog_csv.read_entries` words them, on the page: each
with its line and, where the wording is ours, in the page's language."""

# ruff: noqa: RUF001 - Chinese sentences have full-width punctuation

from __future__ import annotations

from marketplace.handlers.catalog_csv import read_entries
from marketplace.portal.csv_problems import Problem, problem, problems
from marketplace.portal.i18n import Translator

EN, ZH = Translator("en"), Translator("zh-CN")
HEADER = "supplier_unit_id,category,subcategory,item_code,item_name,uom"


def said(text: str, _: Translator = EN) -> list[Problem]:
    return problems(read_entries(text)[1], _)


def test_columns_and_rows() -> None:
    assert said("supplier_unit_id,category\nA,product\n") == [
        Problem(1, "Columns missing: subcategory, item_code, item_name, uom.")
    ]
    assert said(f"{HEADER},colour\nHEAT-01,product,heat,X,Steam,t,red\n") == [
        Problem(1, "Unknown columns 'colour'; the known ones are supplier_unit_id, category, "
                   "subcategory, item_code, item_name, uom, reference_price, capacity, regions.")
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


def test_the_rules_and_the_suppliers() -> None:
    duplicate = "line 4: Supplier 'HEAT-02' already has item 'X' in this version. [duplicate_entry]"
    assert problem(duplicate, EN) == Problem(
        4, "This supplier already has this item in the catalog version."
    )
    closed = "file: Submissions for 2027H1 closed at 2027-01-01T00:00:00+00:00. "
    assert problem(closed + "[submission_deadline_passed]", EN) == Problem(
        None, "The submission deadline of this catalog version has passed."
    )
    outside = (
        "line 2: supplier 'PWR-01' is not in platform 'HEAT''s subtree; each platform submits "
        "for its own sector."
    )
    assert problem(outside, ZH) == Problem(
        2, "供应单位 PWR-01 不属于平台 HEAT：各平台只提交本板块的条目。"
    )
    assert problem("line 3: supplier unit 'NOPE' does not exist.", EN) == Problem(
        3, "Supplier unit NOPE does not exist."
    )
    assert problem("line 5: something new", EN) == Problem(5, "something new")  # as it is
