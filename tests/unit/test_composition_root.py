"""One composition root: only `bootstrap` builds from settings, and only the CLI calls it."""

from __future__ import annotations

import ast
from pathlib import Path

import marketplace

PACKAGE = Path(marketplace.__file__).parent


def modules() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(PACKAGE.parent)): ast.parse(path.read_text("utf-8"))
        for path in PACKAGE.rglob("*.py")
    }


def imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_cli_builds_the_system_through_bootstrap() -> None:
    callers = {name for name, tree in modules().items() if "marketplace.bootstrap" in imports(tree)}
    assert callers and all(name.startswith("marketplace/cli/") for name in callers), callers


def test_settings_are_read_only_at_the_edges() -> None:
    """Workers, handlers and projections get built parts, never the settings themselves."""
    edges = ("marketplace/bootstrap.py", "marketplace/cli/", "marketplace/api/")
    readers = {
        name
        for name, tree in modules().items()
        if "marketplace.settings" in imports(tree) and not name.startswith(edges)
    }
    assert not readers, readers


def test_nothing_outside_the_adapters_reaches_into_the_library_application() -> None:
    """The event store is used through its ports (`EventStore`, `NotificationLog`)."""
    reaching = {
        f"{name}:{node.lineno}"
        for name, tree in modules().items()
        if not name.startswith("marketplace/adapters/")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("application", "recorder")
    }
    assert not reaching, reaching
