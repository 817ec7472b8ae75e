"""Every rule the domain can refuse with is documented on the operations that can meet it."""

from __future__ import annotations

import ast
from pathlib import Path

import marketplace
from marketplace.api.rule_codes import EVERY_COMMAND, RULE_CODES
from tests.refusals import operations

SOURCE = Path(marketplace.__file__).parent
# Refusals that no HTTP operation reaches: the units import of the CLI.
CLI_ONLY = {"level_cannot_change"}


def raised_codes() -> set[str]:
    codes = set()
    for path in [*SOURCE.glob("aggregates/*.py"), *SOURCE.glob("handlers/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError":
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant), f"{path}: a rule code must be a literal"
                codes.add(first.value)
    return codes


def test_every_rule_code_is_listed_on_an_operation() -> None:
    listed = {c for codes in RULE_CODES.values() for c in codes} | set(EVERY_COMMAND)
    assert raised_codes() - CLI_ONLY - listed == set()


def test_every_listed_code_is_one_the_domain_raises() -> None:
    listed = {c for codes in RULE_CODES.values() for c in codes}
    assert listed - raised_codes() == set()


def test_every_row_names_an_existing_command() -> None:
    known = {(method, template) for method, template, _ in operations()}
    assert set(RULE_CODES) - known == set()
    assert all(method in {"post", "patch", "delete", "put"} for method, _ in RULE_CODES)
