"""A platform's catalog CSV submitted all or nothing, every wrong line named in one run."""

from __future__ import annotations

import re
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.catalog import CatalogEntry
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.catalog_csv import CsvProblem, CsvRejected, Located, read_rows
from marketplace.handlers.errors import AppError, Forbidden, NotFound
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services

_ENTRY_PREFIX = re.compile(r"^entries\[\d+\]: ")


def import_csv(svc: Services, principal: Principal, version_id: str, text: str) -> list[str]:
    """Submit the file's entries; with any wrong line, submit nothing and name each one."""
    located, problems = read_rows(text)
    problems += check_submission(svc, principal, version_id, located)
    if problems:
        # In file order; those about the whole file first (sorting is stable).
        raise CsvRejected(sorted(problems, key=lambda p: p.line or 0))
    return catalog.submit_entries(svc, principal, version_id, [e for _, e in located])


def check_submission(
    svc: Services, principal: Principal, version_id: str, located: list[Located]
) -> list[CsvProblem]:
    """Every line the submission would refuse, decided by the aggregate's own rules in one pass
    over the file (`CatalogVersion.refusals`, on the shared version: nothing is changed), each
    refusal kept with its line; later lines see the earlier ones (duplicates within the file)."""
    require_role(principal, Role.PLATFORM_ADMIN)
    platform_id = principal.unit_id or ""
    version = catalog.load_version(svc, version_id, reading=True)
    org = load_organisation(svc)
    problems: list[CsvProblem] = []
    fine: list[Located] = []
    for line, entry in located:
        try:
            catalog.check_supplier(org, platform_id, 0, entry.supplier_unit_id)
        except (AppError, DomainError) as exc:
            problems.append(_supplier_problem(line, entry.supplier_unit_id, platform_id, exc))
            continue
        fine.append((line, entry))
    # The ids are placeholders: only the refusals are kept.
    records = [CatalogEntry(f"line-{line}", platform_id, **vars(e)) for line, e in fine]
    try:
        refused = version.refusals(records, svc.clock())
    except DomainError as exc:  # about the version, not an entry: said once
        said = f"{exc.message} [{exc.code}]"
        return [CsvProblem(None, exc.code, said, _facts(exc.details)), *problems]
    for refusal in refused:
        line = fine[refusal.details["index"]][0]
        facts = {k: v for k, v in _facts(refusal.details).items() if k != "index"}
        problems.append(
            CsvProblem(line, refusal.code, f"{refusal.message} [{refusal.code}]", facts)
        )
    return problems


def _supplier_problem(
    line: int, supplier_id: str, platform_id: str, exc: AppError | DomainError
) -> CsvProblem:
    """`check_supplier`'s refusal of a line's supplier: unknown, outside the platform, or
    deactivated (its rule code)."""
    said = _ENTRY_PREFIX.sub("", exc.message)
    if isinstance(exc, NotFound):
        return CsvProblem(line, "supplier_not_found", said, {"supplier_unit_id": supplier_id})
    if isinstance(exc, Forbidden):
        facts = {"supplier_unit_id": supplier_id, "platform_id": platform_id}
        return CsvProblem(line, "supplier_outside_platform", said, facts)
    return CsvProblem(line, exc.code, said, {"supplier_unit_id": supplier_id})


def _facts(details: object) -> dict[str, Any]:
    return dict(details) if isinstance(details, dict) else {}
