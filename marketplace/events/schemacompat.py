"""Whether a public type's JSON Schema changed compatibly: its consumers' reliance still holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class Incompatibility:
    schema: str
    field: str  # dotted path from the envelope's root (`data.spec.quantity`)
    reason: str

    def __str__(self) -> str:
        return f"{self.schema}: field `{self.field}` {self.reason}"


def incompatibilities(old: Schema, new: Schema, schema: str = "") -> list[Incompatibility]:
    """Every way `new` breaks a consumer written against `old` (both whole schema files): a
    field removed, retyped, no longer required or newly required, an enum or const narrowed.
    New optional fields and annotations are compatible; anything else is a new `.vN` type.
    (String formats, patterns and lengths are not compared.)"""
    walk = _Walk(schema, old.get("$defs", {}), new.get("$defs", {}))
    walk.compare(old, new, "")
    return walk.found


_KINDS = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


class _Walk:
    def __init__(self, schema: str, old_defs: Schema, new_defs: Schema) -> None:
        self.schema = schema
        self.defs = (old_defs, new_defs)
        self.found: list[Incompatibility] = []

    def fail(self, path: str, reason: str) -> None:
        self.found.append(Incompatibility(self.schema, path or "(root)", reason))

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_branches = self._branches(old, 0)
        new_branches = self._branches(new, 1)
        for kind, old_branch in old_branches.items():
            new_branch = new_branches.get(kind, new_branches.get("any"))
            if new_branch is None:
                was, now = " | ".join(sorted(old_branches)), " | ".join(sorted(new_branches))
                self.fail(path, f"was {was}, is now {now} (retyped)")
                continue
            self._compare_values(old_branch, new_branch, path)
            if kind == "object":
                self._compare_objects(old_branch, new_branch, path)
            elif kind == "array" and "items" in old_branch:
                self.compare(old_branch["items"], new_branch.get("items", {}), f"{path}[]")

    def _compare_values(self, old: Schema, new: Schema, path: str) -> None:
        if "const" in old and new.get("const", old["const"]) != old["const"]:
            self.fail(path, f"was const {old['const']!r}, is now {new['const']!r}")
        allowed_before = old.get("enum", [old["const"]] if "const" in old else None)
        allowed_now = new.get("enum", [new["const"]] if "const" in new else None)
        if allowed_now is None:
            return
        if allowed_before is None:
            self.fail(path, f"accepted any value, is now limited to {allowed_now} (narrowed)")
            return
        lost = [v for v in allowed_before if v not in allowed_now]
        if lost and "const" not in old:
            self.fail(path, f"enum lost {lost} (narrowed)")

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, old_prop in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                self.fail(where, "was removed")
                continue
            if name in old_required and name not in new_required:
                self.fail(where, "is no longer required")
            self.compare(old_prop, new_props[name], where)
        for name in sorted(new_required - old_required):
            if name in old_props:
                continue  # an optional field made required: old payloads may lack it
            where = f"{path}.{name}" if path else name
            self.fail(where, "is a new required field")
        for name in sorted((new_required & set(old_props)) - old_required):
            self.fail(f"{path}.{name}" if path else name, "became required")

    def _branches(self, node: Schema, side: int) -> dict[str, Schema]:
        """The node's alternatives by JSON type (a `$ref` resolved, `anyOf` flattened)."""
        while "$ref" in node:
            name = node["$ref"].rpartition("/")[2]
            node = {**self.defs[side][name], **{k: v for k, v in node.items() if k != "$ref"}}
        alternatives = node.get("anyOf") or node.get("oneOf")
        if alternatives:
            found: dict[str, Schema] = {}
            for branch in alternatives:
                found |= self._branches(branch, side)
            return found
        kinds = node.get("type")
        if kinds is None and "const" in node:
            kinds = _KINDS.get(type(node["const"]), "string")
        if kinds is None and "enum" in node:
            kinds = sorted({_KINDS.get(type(v), "string") for v in node["enum"]})
        if kinds is None:
            return {"any": node}
        if isinstance(kinds, str):
            kinds = [kinds]
        return {kind: node for kind in kinds}
