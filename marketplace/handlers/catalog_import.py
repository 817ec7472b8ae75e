"""A platform's catalog CSV submitted all or nothing, every wrong line named in one run."""

from __future__ import annotations

import re

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.catalog import CatalogEntry
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.catalog_csv import CsvRejected, Located, read_entries
from marketplace.handlers.errors import AppError
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services

_ENTRY_PREFIX = re.compile(r"^entries\[\d+\]: ")


def import_csv(svc: Services, principal: Principal, version_id: str, text: str) -> list[str]:
    """Submit the file's entries; with any wrong line, submit nothing and name each one."""
    located, problems = read_entries(text)
    problems += check_submission(svc, principal, version_id, located)
    if problems:
        raise CsvRejected(sorted(problems, key=_line_of))
    return catalog.submit_entries(svc, principal, version_id, [e for _, e in located])


def check_submission(
    svc: Services, principal: Principal, version_id: str, located: list[Located]
) -> list[str]:
    """Every line the submission would refuse, decided by the aggregate's own rules in one pass
    over the file (`CatalogVersion.refusals`, on the shared version: nothing is changed), each
    refusal kept with its line; later lines see the earlier ones (duplicates within the file)."""
    require_role(principal, Role.PLATFORM_ADMIN)
    platform_id = principal.unit_id or ""
    version = catalog.load_version(svc, version_id, reading=True)
    org = load_organisation(svc)
    problems: list[str] = []
    fine: list[Located] = []
    for line, entry in located:
        try:
            catalog.check_supplier(org, platform_id, 0, entry.supplier_unit_id)
        except (AppError, DomainError) as exc:
            problems.append(f"line {line}: {_ENTRY_PREFIX.sub('', exc.message)}")
            continue
        fine.append((line, entry))
    # The ids are placeholders: only the refusals are kept.
    records = [CatalogEntry(f"line-{line}", platform_id, **vars(e)) for line, e in fine]
    try:
        refused = version.refusals(records, svc.clock())
    except DomainError as exc:  # about the version, not an entry: said once
        return [f"file: {exc.message} [{exc.code}]", *problems]
    for refusal in refused:
        line = fine[refusal.details["index"]][0]
        problems.append(f"line {line}: {refusal.message} [{refusal.code}]")
    return problems


def _line_of(problem: str) -> int:
    """Problems in file order; those about the whole file first (sorting is stable)."""
    found = re.match(r"line (\d+)", problem)
    return int(found[1]) if found else 0
