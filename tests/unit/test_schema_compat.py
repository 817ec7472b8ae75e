"""Published `vN` schemas only change compatibly: the checker, and the committed files against
their frozen copies in tests/fixtures/schemas/ (what consumers were given when each was
released)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.schemacompat import incompatibilities
from marketplace.events.schemagen import SCHEMAS_DIR

FROZEN_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
FREEZE = "freeze it: `cp schemas/{0} tests/fixtures/schemas/` (a new type's first release)"
BREAKING = "a breaking change is a new .vN type beside this one (README, Events)"


def read(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return schema


# ----- the committed schemas against their frozen copies -----------------------------------


@pytest.mark.parametrize("name", sorted(f"{t}.json" for t in PUBLIC_TYPES))
def test_every_published_schema_changed_only_compatibly_since_it_was_frozen(name: str) -> None:
    frozen = FROZEN_DIR / name
    assert frozen.is_file(), f"tests/fixtures/schemas/{name} is missing: {FREEZE.format(name)}"
    found = incompatibilities(read(frozen), read(SCHEMAS_DIR / name), name)
    assert not found, "; ".join(map(str, found)) + f" — {BREAKING}"


def test_no_frozen_schema_is_left_without_its_type() -> None:
    """A type is dropped only after its deprecation window; its frozen copy goes with it."""
    gone = sorted(p.name for p in FROZEN_DIR.glob("*.json") if p.stem not in PUBLIC_TYPES)
    assert not gone, f"frozen schemas of types no longer published: {gone}"


def test_need_posted_v2_could_not_have_been_a_change_of_v1() -> None:
    """Why it is a new type: v1's consumers would miss a field v2 requires."""
    v1 = read(SCHEMAS_DIR / "marketplace.need.posted.v1.json")
    v2 = read(SCHEMAS_DIR / "marketplace.need.posted.v2.json")
    fields = {i.field: i.reason for i in incompatibilities(v1, v2)}
    assert fields["data.spec.delivery_location"] == "is a new required field"


# ----- the checker, on crafted schemas --------------------------------------------------------

ACTOR = {
    "type": "object",
    "properties": {"unit_id": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
    "required": ["unit_id"],
}
BASE: dict[str, Any] = {
    "$defs": {"ActorV1": ACTOR},
    "type": "object",
    "title": "marketplace.thing.done.v1",
    "properties": {
        "type": {"const": "marketplace.thing.done.v1", "type": "string"},
        "data": {
            "type": "object",
            "properties": {
                "quantity": {"type": "string"},
                "status": {"enum": ["open", "closed"], "type": "string"},
                "lines": {"type": "array", "items": {"type": "integer"}},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                "actor": {"$ref": "#/$defs/ActorV1"},
            },
            "required": ["quantity", "status", "lines", "actor"],
        },
    },
    "required": ["type", "data"],
}


def changed(edit: Any) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def data(schema: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = schema["properties"]["data"]
    return found


def reasons(new: dict[str, Any]) -> list[str]:
    return [str(i) for i in incompatibilities(BASE, new, "thing.v1")]


def test_the_same_schema_is_compatible() -> None:
    assert reasons(copy.deepcopy(BASE)) == []


def test_a_new_optional_field_is_compatible() -> None:
    new = changed(lambda s: data(s)["properties"].update(site={"type": "string"}))
    assert reasons(new) == []


def test_a_new_value_in_an_enum_and_a_field_made_nullable_are_compatible() -> None:
    def edit(s: dict[str, Any]) -> None:
        data(s)["properties"]["status"]["enum"].append("paused")
        data(s)["properties"]["quantity"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

    assert reasons(changed(edit)) == []


def test_annotations_are_compatible() -> None:
    new = changed(lambda s: s.update(deprecated=True, description="Superseded by v2."))
    assert reasons(new) == []


def test_a_removed_field_fails_naming_schema_and_field() -> None:
    new = changed(lambda s: data(s)["properties"].pop("note"))
    assert reasons(new) == ["thing.v1: field `data.note` was removed"]


def test_a_retyped_field_fails() -> None:
    new = changed(lambda s: data(s)["properties"].update(quantity={"type": "number"}))
    assert reasons(new) == ["thing.v1: field `data.quantity` was string, is now number (retyped)"]


def test_a_retyped_array_item_fails() -> None:
    new = changed(lambda s: data(s)["properties"]["lines"].update(items={"type": "string"}))
    assert reasons(new) == ["thing.v1: field `data.lines[]` was integer, is now string (retyped)"]


def test_a_nullable_field_made_non_null_fails() -> None:
    new = changed(lambda s: data(s)["properties"].update(note={"type": "string"}))
    assert reasons(new) == [
        "thing.v1: field `data.note` was null | string, is now string (retyped)"
    ]


def test_a_new_required_field_fails() -> None:
    def edit(s: dict[str, Any]) -> None:
        data(s)["properties"]["site"] = {"type": "string"}
        data(s)["required"].append("site")

    assert reasons(changed(edit)) == ["thing.v1: field `data.site` is a new required field"]


def test_an_optional_field_made_required_fails() -> None:
    new = changed(lambda s: data(s)["required"].append("note"))
    assert reasons(new) == ["thing.v1: field `data.note` became required"]


def test_a_required_field_made_optional_fails() -> None:
    new = changed(lambda s: data(s)["required"].remove("quantity"))
    assert reasons(new) == ["thing.v1: field `data.quantity` is no longer required"]


def test_a_narrowed_enum_fails() -> None:
    new = changed(lambda s: data(s)["properties"]["status"].update(enum=["open"]))
    assert reasons(new) == ["thing.v1: field `data.status` enum lost ['closed'] (narrowed)"]


def test_a_free_field_limited_to_an_enum_fails() -> None:
    new = changed(lambda s: data(s)["properties"]["quantity"].update(enum=["1", "2"]))
    assert reasons(new) == [
        "thing.v1: field `data.quantity` accepted any value, is now limited to ['1', '2'] "
        "(narrowed)"
    ]


def test_a_changed_const_fails() -> None:
    new = changed(lambda s: s["properties"]["type"].update(const="marketplace.thing.done.v2"))
    assert reasons(new) == [
        "thing.v1: field `type` was const 'marketplace.thing.done.v1', is now "
        "'marketplace.thing.done.v2'"
    ]


def test_changes_behind_a_ref_are_found() -> None:
    new = changed(lambda s: s["$defs"]["ActorV1"]["properties"].pop("unit_id"))
    assert reasons(new) == ["thing.v1: field `data.actor.unit_id` was removed"]


def test_a_ref_renamed_to_an_equal_definition_is_compatible() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["$defs"] = {"Actor": s["$defs"]["ActorV1"]}
        data(s)["properties"]["actor"] = {"$ref": "#/$defs/Actor"}

    assert reasons(changed(edit)) == []


def test_every_incompatibility_is_reported_not_just_the_first() -> None:
    def edit(s: dict[str, Any]) -> None:
        data(s)["properties"].pop("note")
        data(s)["properties"]["quantity"] = {"type": "integer"}

    assert len(reasons(changed(edit))) == 2
