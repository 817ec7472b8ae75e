"""Coalescing row changes into rounds has exactly the effect of applying them one by one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.projections.changes import Delete, Increment, RowChange, Upsert, coalesce
from marketplace.projections.memory import fold

keys = st.sampled_from(["a", "b", "c"]).map(lambda k: {"id": k})
tables = st.sampled_from(["t_one", "t_two"])
change = st.one_of(
    st.builds(
        Upsert, tables, keys, st.dictionaries(st.sampled_from(["x", "y"]), st.integers(0, 9))
    ),
    st.builds(Delete, tables, keys),
    st.builds(
        Increment,
        tables,
        keys,
        st.dictionaries(st.sampled_from(["n", "m"]), st.integers(-5, 5), min_size=1),
        st.none() | st.dictionaries(st.just("label"), st.text(max_size=2)),
    ),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(change, max_size=30))
def test_rounds_have_the_effect_of_the_changes_in_order(changes: list[RowChange]) -> None:
    rounds = coalesce(changes)
    assert fold(c for r in rounds for c in r) == fold(changes)
    for round_ in rounds:
        rows = [(c.table, tuple(c.key.items())) for c in round_]
        assert len(rows) == len(set(rows)), "a round changes each row at most once"


def test_consecutive_upserts_of_a_row_become_one() -> None:
    rounds = coalesce(
        [
            Upsert("t_one", {"id": "a"}, {"x": 1}),
            Upsert("t_one", {"id": "b"}, {"x": 2}),
            Upsert("t_one", {"id": "a"}, {"y": 3}),
        ]
    )
    assert rounds == [
        [Upsert("t_one", {"id": "a"}, {"x": 1, "y": 3}), Upsert("t_one", {"id": "b"}, {"x": 2})]
    ]
