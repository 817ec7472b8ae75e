"""The auditor's desk's state rows and differences of two states (marketplace/portal/audit_page)."""

from __future__ import annotations

from marketplace.portal.audit_page import Difference, differences, flatten, shown


def test_a_state_flattens_to_keys_with_empty_containers_kept() -> None:
    state = {"status": "open", "terms": {"price": "1.50", "days": 3}, "bids": [{"id": "b1"}],
             "tags": [], "notes": {}, "due": None}  # fmt: skip
    assert flatten(state) == {
        "status": "open",
        "terms.price": "1.50",
        "terms.days": 3,
        "bids[0].id": "b1",
        "tags": [],
        "notes": {},
        "due": None,
    }
    assert flatten({}) == {"": {}}


def test_values_show_as_text_or_json() -> None:
    assert shown("中文") == "中文"
    assert [shown(v) for v in (None, True, 3, [], {"b": 1, "a": "煤"})] == [
        "null", "true", "3", "[]", '{"a": "煤", "b": 1}',
    ]  # fmt: skip


def test_differences_name_keys_added_removed_and_changed() -> None:
    before = {"status": "awaiting_signatures", "signed_by": [], "signatures": {},
              "amount": "100.00", "note": "draft", "count": 1}  # fmt: skip
    after = {"status": "active", "signed_by": ["COAL-01", "HEAT-02"],
             "signatures": {"COAL-01": "t1"}, "amount": "100.00", "count": True,
             "closed_at": None}  # fmt: skip
    assert differences(before, after) == [
        Difference("closed_at", "added", None, None),
        Difference("count", "changed", 1, True),  # equal in Python, not the same value
        Difference("note", "removed", "draft", None),
        Difference("signatures.COAL-01", "added", None, "t1"),
        Difference("signed_by[0]", "added", None, "COAL-01"),
        Difference("signed_by[1]", "added", None, "HEAT-02"),
        Difference("status", "changed", "awaiting_signatures", "active"),
    ]


def test_emptying_a_list_shows_its_items_removed_and_equal_states_differ_in_nothing() -> None:
    full = {"offers": [{"id": "o1", "price": "5"}], "x": {"y": 1}}
    emptied = {"offers": [], "x": {"y": 1}}
    assert differences(full, emptied) == [
        Difference("offers[0].id", "removed", "o1", None),
        Difference("offers[0].price", "removed", "5", None),
    ]
    assert differences(full, full) == []
    # A value that becomes a container (or back) is a change of that key plus its new items.
    assert differences({"a": "x"}, {"a": {"b": 1}}) == [
        Difference("a", "removed", "x", None),
        Difference("a.b", "added", None, 1),
    ]
