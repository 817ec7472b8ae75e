"""Parsing an organisation file: every malformed entry is named with its position and line."""

from __future__ import annotations

import pytest

from marketplace.demo import organisation_yaml
from marketplace.handlers.unit_import import ImportRejected, parse_units_file


def test_the_demo_file_parses() -> None:
    entries = parse_units_file(organisation_yaml())
    assert entries[0][2].id == "HQ"
    assert len(entries) >= 16


def test_each_bad_entry_is_reported_with_its_line() -> None:
    text = """units:
  - {id: HQ, name: Group, level: group}
  - {id: P1, name: "", level: platform, parent_id: HQ}
  - {id: P2, name: Two, level: galaxy, parent_id: HQ}
  - {id: HQ, name: Again, level: platform, parent_id: HQ}
  - {id: P3, name: "Three\\0", level: platform, parent_id: HQ}
  - {id: p3, name: Three, level: platform, parent_id: HQ}
  - {id: P5, name: Five, level: platform, parent_id: HQ}
  - {id: p5, name: Five again, level: platform, parent_id: HQ}
"""
    with pytest.raises(ImportRejected) as info:
        parse_units_file(text)
    problems = info.value.problems
    assert [(p.entry, p.line, p.unit_id) for p in problems] == [
        (2, 3, "P1"),
        (3, 4, "P2"),
        (4, 5, "HQ"),
        (5, 6, "P3"),
        (8, 9, "p5"),
    ]
    assert "name" in problems[0].message
    assert "level" in problems[1].message
    assert "already used by entry 1" in problems[2].message
    assert "control characters" in problems[3].message
    assert "already used by entry 7 (ids are unique regardless of case)" in problems[4].message


@pytest.mark.parametrize("text", ["units: {HQ: 1}", "- [unclosed", "42", ""])
def test_a_file_that_is_not_a_list_of_units_is_rejected(text: str) -> None:
    with pytest.raises(ImportRejected):
        parse_units_file(text)


def test_a_bare_list_is_accepted() -> None:
    (entry,) = parse_units_file("- {id: HQ, name: Group, level: group}\n")
    assert entry[2].level.value == "group"
