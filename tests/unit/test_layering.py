"""The domain stays pure: aggregates import only the standard library and `eventsourcing.domain`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import marketplace.aggregates

AGGREGATES = Path(marketplace.aggregates.__file__).parent
ALLOWED = ("eventsourcing.domain", "marketplace.aggregates")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_aggregates_import_only_the_stdlib_and_the_library_domain() -> None:
    foreign = {
        f"{path.name}: {module}"
        for path in AGGREGATES.glob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not any(module == a or module.startswith(a + ".") for a in ALLOWED)
    }
    assert not foreign
