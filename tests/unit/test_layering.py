"""Layers stay apart: pure aggregates; routes that only translate HTTP, one URL prefix each."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

from fastapi.routing import APIRoute

import marketplace.aggregates
import marketplace.api.routes

AGGREGATES = Path(marketplace.aggregates.__file__).parent
ALLOWED = ("eventsourcing.domain", "marketplace.aggregates")
ROUTES = Path(marketplace.api.routes.__file__).parent
ROUTES_PACKAGE = "marketplace.api.routes"


def imported_modules(path: Path) -> set[str]:
    """Modules `path` imports; `from package import name` counts as `package.name` too (the
    name may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def route_modules() -> list[Path]:
    return sorted(p for p in ROUTES.glob("*.py") if p.name != "__init__.py")


def test_aggregates_import_only_the_stdlib_and_the_library_domain() -> None:
    foreign = {
        f"{path.name}: {module}"
        for path in AGGREGATES.glob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not any(module == a or module.startswith(a + ".") for a in ALLOWED)
    }
    assert not foreign


def test_route_modules_import_no_other_route_module() -> None:
    """A body another prefix also uses lives in a shared module (api/schemas.py, api/pages.py,
    api/projection_queries.py), never in another prefix's route module."""
    foreign = {
        f"{path.name}: {module}"
        for path in route_modules()
        for module in imported_modules(path)
        if module.startswith(ROUTES_PACKAGE + ".")
    }
    assert not foreign


def test_routes_reach_the_app_only_through_dependencies() -> None:
    """`request.app.state` is read in api/deps.py (and set in api/app.py), never in a route."""
    found = {
        f"{path.name}:{node.lineno}"
        for path in route_modules()
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr == "state"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "app"
    }
    assert not found


def test_each_route_module_serves_one_url_prefix() -> None:
    """Every route lies under its module's router prefix, and no other module's prefix claims
    it more precisely (`/v1/audit/replays/…` is replays.py's, not audit.py's)."""
    prefixes: dict[str, str] = {}
    paths: dict[str, set[str]] = {}
    for path in route_modules():
        module = importlib.import_module(f"{ROUTES_PACKAGE}.{path.stem}")
        for route in module.router.routes:
            assert isinstance(route, APIRoute), f"{path.name}: {route!r}"
            owner = route.endpoint.__module__.removeprefix(ROUTES_PACKAGE + ".")
            paths.setdefault(owner, set()).add(route.path)
        prefixes[path.stem] = module.router.prefix
    assert all(prefixes.values()), "every route module declares its prefix on its router"
    assert len(set(prefixes.values())) == len(prefixes), "one module per prefix"
    misplaced = set()
    for owner, served in paths.items():
        for served_path in served:
            claims = [
                (len(prefix), name)
                for name, prefix in prefixes.items()
                if served_path == prefix or served_path.startswith(prefix + "/")
            ]
            if not claims or max(claims)[1] != owner:
                misplaced.add(f"{owner}: {served_path}")
    assert not misplaced


def test_portal_pages_reach_the_app_only_through_the_viewer() -> None:
    """`request.app.state` is read in portal/web.py (and set in portal/install.py) only."""
    portal = Path(marketplace.api.routes.__file__).parents[2] / "portal"
    found = {
        f"{path.name}:{node.lineno}"
        for path in portal.rglob("*.py")
        if path.name not in ("web.py", "install.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "state"
    }
    assert not found
