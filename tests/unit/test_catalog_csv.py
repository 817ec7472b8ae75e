"""A catalog CSV meets the API's input rules: each refused cell is named with its line."""

from __future__ import annotations

import pytest

from marketplace.handlers.catalog_csv import CsvRejected, parse_entries, read_entries

HEADER = "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price\n"


def test_control_characters_and_non_positive_prices_are_refused_by_line() -> None:
    rows = [
        "HEAT-02,product,heat,STEAM-LP,Steam\x00,t,185.00",
        "HEAT-02,product,heat,STEAM-HP,Steam,t,0",
        "HEAT-02,product,heat,STEAM-MP,Steam,t,1e3",
        "HEAT-02,product,heat,STEAM-XP,Steam \u202eevil,t,12",
    ]
    with pytest.raises(CsvRejected) as caught:
        parse_entries(HEADER + "\n".join(rows) + "\n")
    assert [p.split(":")[0:2] for p in caught.value.problems] == [
        ["line 2", " item_name"],
        ["line 3", " reference_price"],
        ["line 4", " reference_price"],
        ["line 5", " item_name"],
    ]


def test_a_clean_row_passes_with_its_price_as_written() -> None:
    [entry] = parse_entries(HEADER + "HEAT-02,product,heat,STEAM-LP,Steam 0.8 MPa,t,185.5\n")
    assert entry.reference_price == "185.5"


def test_unknown_columns_and_surplus_cells_are_named_with_every_bad_line() -> None:
    text = (
        "supplier_unit_id,category,subcategory,item_code,item_name,uom,colour\n"
        "HEAT-02,product,heat,STEAM-LP,Steam,t,red\n"
        "HEAT-02,product,heat,STEAM-HP,Steam,t,red,surplus\n"
        "HEAT-02,product,heat,,Steam,t,red\n"
    )
    located, problems = read_entries(text)
    assert [line for line, _ in located] == [2]
    assert problems[0].startswith("line 1: unknown columns 'colour'")
    assert problems[1] == "line 3: more values than the header has columns"
    assert problems[2].startswith("line 4: item_code")


def test_an_exports_own_columns_are_not_unknown() -> None:
    text = "version_id,period," + HEADER.strip() + ",entry_id\n"
    text += "cv_1,2027H1,HEAT-02,product,heat,STEAM-LP,Steam,t,185,ent_1\n"
    located, problems = read_entries(text)
    assert problems == [] and located[0][1].item_code == "STEAM-LP"


def test_price_tiers_are_pairs_of_quantity_and_price_in_one_cell() -> None:
    header = HEADER.strip() + ",price_breaks\n"
    [entry] = parse_entries(
        header + "ENG-02,product,other,TRF,Transformer,pc,98000,5:92000;10:88000\n"
    )
    assert [(b.min_quantity, b.unit_price) for b in entry.price_breaks] == [
        ("5", "92000"),
        ("10", "88000"),
    ]
    with pytest.raises(CsvRejected) as caught:
        parse_entries(header + "ENG-02,product,other,TRF,Transformer,pc,98000,10:88000;5:92000\n"
                      "ENG-02,product,other,TRF2,Transformer,pc,98000,5\n")  # fmt: skip
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 2", "line 3"]
