"""An authenticated read against charts of growing size: the request's work beside the smallest.

Usage: python bench/chart_bench.py [--units 20,2000] [--requests 500]
Embedded SQLite store in a temporary directory; no services needed. For each size it registers
that many units (one platform per 20 enterprises) and issues a token, then times what
`GET /v1/units/{id}` does per request: authenticate the bearer token against the chart, then
read the unit. The figure to watch is the p50 ratio to the smallest chart (issue 13: 1.3x).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

from scaling import per_size, sizes_of  # bench/scaling.py, beside this script

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.handlers.auth import authenticate
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssueToken, issue_token_as
from marketplace.handlers.units import get_unit

ACTOR = Actor(unit_id="HQ", token_id="bench")
NOW = datetime(2027, 2, 1, tzinfo=UTC)


def sequential_ids() -> Callable[[str], str]:
    ids = count()
    return lambda prefix: f"{prefix}_{next(ids)}"


def build(svc: Services, units: int) -> str:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=NOW)
    org.register_unit("HQ", "HQ", Level.GROUP, None, None, ACTOR, NOW)
    for n in range(units - 1):
        if n % 21 == 0:
            org.register_unit(f"P{n}", f"Platform {n}", Level.PLATFORM, "HQ", "s", ACTOR, NOW)
            platform = f"P{n}"
        else:
            org.register_unit(f"E{n}", f"Unit {n}", Level.ENTERPRISE, platform, None, ACTOR, NOW)
    svc.store.save(org)
    issued = issue_token_as(svc, ACTOR, IssueToken("E1", [Role.UNIT_OPERATOR]))
    return issued.token


def time_requests(svc: Services, bearer: str, requests: int) -> list[float]:
    took = []
    for _ in range(requests + 1):
        started = time.perf_counter()
        authenticate(svc, load_organisation(svc), bearer)
        get_unit(svc, "E1")
        took.append(time.perf_counter() - started)
    return took[1:]  # the first fills the cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="20,2000")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    def timed(store: EventSourcingStore, size: int) -> list[float]:
        svc = Services(store=store, clock=lambda: NOW, new_id=sequential_ids())
        return time_requests(svc, build(svc, size), args.requests)

    first = args.units.split(",")[0]
    for f in per_size(sizes_of(args.units), timed):
        print(
            f"chart of {f.size:>5,} units: authenticate + read a unit p50 {f.p50_ms:6.3f} ms, "
            f"{f.ratio:5.2f}x the {first}-unit chart's"
        )


if __name__ == "__main__":
    main()
