"""Truth of the OpenAPI document's 409s: a refusal a test sees must be one its operation lists."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from fastapi.routing import APIRoute

import marketplace.api.routes as routes
from marketplace.api.rule_codes import rule_codes


@cache
def operations() -> list[tuple[str, str, re.Pattern[str]]]:
    """(method, path template, matcher) of every API operation."""
    found = []
    for module in pkgutil.iter_modules(routes.__path__):
        router = getattr(
            importlib.import_module(f"{routes.__name__}.{module.name}"), "router", None
        )
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute):
                matcher = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route.path) + "$")
                found += [(m.lower(), route.path, matcher) for m in route.methods]
    # Literal segments before templated ones: /v1/audit/verify is not /v1/audit/{id}/….
    return sorted(found, key=lambda op: op[1].count("{"))


def assert_listed_refusal(method: str, path: str, code: str) -> None:
    for verb, template, matcher in operations():
        if verb == method.lower() and matcher.match(path):
            listed = rule_codes(verb, template)
            assert code in listed, f"{method} {template} answered 409 {code}; it lists {listed}"
            return
    raise AssertionError(f"no operation {method} {path}")
