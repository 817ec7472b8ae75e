"""The public types a projection reads: declared where its reducer reads only some of its
topics' types, and never narrower than what the reducer matches on."""

from __future__ import annotations

import inspect
import re
import sys

import pytest

from marketplace.events.public.contracts import ContractCreatedV1, ContractDeliveredV1
from marketplace.events.public.registry import BY_DOMAIN_NAME, PUBLIC_TYPES
from marketplace.projections.projection import Projection, read_by, types_of
from marketplace.projections.registry import PROJECTIONS

CONTRACTS = "marketplace.contracts"
_PAYLOAD_NAME = re.compile(r"\b([A-Z]\w*V\d+)\b")


def matched_types(projection: Projection) -> set[str]:
    """The types of the projection's topics whose payload model its reducer's module names
    (the `case ContractCreatedV1():` of its match statements)."""
    source = inspect.getsource(sys.modules[projection.apply.__module__])
    named = set(_PAYLOAD_NAME.findall(source))
    return {
        name
        for name, kind in PUBLIC_TYPES.items()
        if kind.topic in projection.topics and kind.payload.__name__ in named
    }


@pytest.mark.parametrize(
    "projection", [p for p in PROJECTIONS if p.types is not None], ids=lambda p: p.name
)
def test_a_declared_projection_reads_every_type_its_reducer_matches_on(
    projection: Projection,
) -> None:
    assert projection.types is not None
    assert matched_types(projection) - projection.types == set()


def test_the_check_finds_a_type_left_out() -> None:
    from marketplace.projections import trade_volume

    narrowed = Projection(
        name="trade_volume",
        version=1,
        topics=(CONTRACTS,),
        tables=trade_volume.PROJECTION.tables,
        apply=trade_volume.apply,
        types=types_of(ContractCreatedV1),
    )
    assert "marketplace.contract.delivered.v1" in matched_types(narrowed) - (
        narrowed.types or set()
    )


def test_types_of_names_the_models_types_and_whole_topics() -> None:
    assert types_of(ContractDeliveredV1) == {"marketplace.contract.delivered.v1"}
    whole = types_of(topics=("marketplace.disputes",))
    assert whole == {n for n, k in PUBLIC_TYPES.items() if k.topic == "marketplace.disputes"}


def test_a_type_of_another_topic_is_refused() -> None:
    from marketplace.projections import trade_volume

    with pytest.raises(ValueError, match="not a type of its topics"):
        Projection(
            name="trade_volume",
            version=1,
            topics=(CONTRACTS,),
            tables=trade_volume.PROJECTION.tables,
            apply=trade_volume.apply,
            types=frozenset({"marketplace.need.posted.v2"}),
        )


def test_reads_and_read_by() -> None:
    from marketplace.projections import incident_list, needs_board

    incidents = incident_list.PROJECTION
    assert incidents.reads(CONTRACTS, "marketplace.quality_incident.recorded.v1")
    assert not incidents.reads(CONTRACTS, "marketplace.contract.signed.v1")
    assert not incidents.reads("marketplace.needs", "marketplace.quality_incident.recorded.v1")
    # Undeclared: every type of its topics.
    assert needs_board.PROJECTION.reads("marketplace.needs", "marketplace.need.cancelled.v1")
    read = read_by([incidents, needs_board.PROJECTION])
    assert "marketplace.contract.signed.v1" not in read
    assert "marketplace.quality_incident.escalated.v1" in read
    assert "marketplace.need.cancelled.v1" in read
    # Only current types: the store's events decode to those.
    assert read <= {kind.name for kind in BY_DOMAIN_NAME.values()}


def test_no_projection_reads_a_contract_signature() -> None:
    """The signatures (a tenth of a trading store) are neither decoded nor tracked by a rebuild."""
    assert "marketplace.contract.signed.v1" not in read_by(PROJECTIONS)
