"""Read-model text: what PostgreSQL cannot hold becomes U+FFFD, the rest stays as it is."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from marketplace.projections.changes import Delete, Increment, Upsert, storable, storable_text


@given(st.text())
def test_storable_text_is_valid_utf8_without_nul_and_keeps_everything_else(text: str) -> None:
    stored = storable_text(text)
    stored.encode("utf-8")  # no lone surrogates left
    assert "\x00" not in stored
    assert len(stored) == len(text)
    assert [a for a, b in zip(stored, text, strict=True) if a != b] == [
        "\ufffd" for b in text if b == "\x00" or "\ud800" <= b <= "\udfff"
    ]


def test_changes_get_storable_keys_and_values_and_stay_the_same_object_when_clean() -> None:
    assert storable(Upsert("t", {"id": "a\x00"}, {"name": "x\ud800", "n": 1})) == Upsert(
        "t", {"id": "a\ufffd"}, {"name": "x\ufffd", "n": 1}
    )
    assert storable(Delete("t", {"id": "\x00"})) == Delete("t", {"id": "\ufffd"})
    assert storable(Increment("t", {"k": "\x00"}, {"c": Decimal(1)}, {"label": "\x00"})) == (
        Increment("t", {"k": "\ufffd"}, {"c": Decimal(1)}, {"label": "\ufffd"})
    )
    clean = Upsert("t", {"id": "a"}, {"name": "tab\tand newline\n"})
    assert storable(clean) is clean
