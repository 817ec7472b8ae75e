"""schemathesis over the app's own OpenAPI, in process on SQLite with the demo group loaded: no
server error, and every answer declared, with the declared content type and schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import structlog
from schemathesis import engine
from schemathesis.engine import events
from schemathesis.python.asgi import shutdown_lifespans

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_world import ADMIN_TOKEN, World, demo_world

pytestmark = pytest.mark.slow  # schemathesis sends thousands of requests

# Small and fixed by default, so CI is quick and reproducible; MARKETPLACE_FUZZ_EXAMPLES=200 (say)
# for a long local hunt, and MARKETPLACE_FUZZ_SEED to look elsewhere.
EXAMPLES = int(os.environ.get("MARKETPLACE_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("MARKETPLACE_FUZZ_SEED", "20270101"))
# The embedded store by default; MARKETPLACE_FUZZ_STORE=postgres for a run on PostgreSQL.
STORE = os.environ.get("MARKETPLACE_FUZZ_STORE", "sqlite")
# Values at the edges of what the types allow, which random generation seldom reaches: each
# once answered a 500 (issue 10). Drawn for these fields a quarter of the time.
EDGES: dict[str, tuple[list[Any], tuple[str, ...]]] = {
    "moments": (
        ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31"],
        ("query.at", "query.from", "query.to", "query.as_of"),
    ),
    "quarters": (["0000Q1", "0001Q1", "9999Q4"], ("query.quarter", "body.quarter")),
    "counts": ([2**63, 2**31], ("query.limit", "query.version")),
}


# Linked sequences (the stateful phase) cost most of the run: each is up to six requests, and
# hypothesis draws several tries per sequence. HQ, who may take every step, goes deepest with
# them; an operator is refused most steps, so fewer of its sequences reach new states.
SEQUENCES = {"hq_admin": EXAMPLES * 5, "unit_operator": EXAMPLES * 2}


def fuzz_config(
    token: str, *, coverage: bool = True, sequences: int = EXAMPLES * 5
) -> schemathesis.Config:
    """Every phase (examples, coverage, fuzzing, stateful over inferred links) with four checks;
    `coverage=False` leaves out the boundary values of every field and halves the random
    requests, for a caller whose token changes only who may act, not what is valid (most of
    its random requests end in the same refusal); `sequences` bounds the stateful phase."""
    checks: dict[str, Any] = {
        "enabled": False,
        # A 503 (store unavailable) is allowed only where declared: status_code_conformance.
        "not_a_server_error": {"enabled": True, "expected-statuses": ["2XX", "3XX", "4XX", 503]},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    }
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Days and times are drawn by format, then filtered by the 1900-2200 pattern; on a
            # busy machine hypothesis may call that too much filtering or too slow. Both are
            # about the generator, not the API.
            "suppress-health-check": ["filter_too_much", "too_slow"],
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "no-shrink": True,  # bounded even when failing; the reproduction is a curl line
                "database": "none",
                "with-security-parameters": False,
            },
            "dictionaries": {name: {"values": values} for name, (values, _) in EDGES.items()},
            "parameters": {
                field: {"dictionary": name, "probability": 0.25}
                for name, (_, fields) in EDGES.items()
                for field in fields
            },
            # Sequences are cheap and reach states single requests do not.
            "phases": {
                "coverage": {"enabled": coverage},
                "fuzzing": {
                    "generation": {"max-examples": EXAMPLES if coverage else max(1, EXAMPLES // 2)}
                },
                "stateful": {"generation": {"max-examples": sequences}},
            },
            "checks": checks,
        }
    )


def run_schemathesis(schema: Any) -> tuple[dict[str, str], dict[str, int], set[str]]:
    """Run schemathesis's engine (what `st run` does) and return each distinct problem with a
    reproduction, how many cases each phase sent, and the operations the random requests of
    the fuzzing phase were sent to."""
    problems: dict[str, str] = {}
    sent: dict[str, int] = {}
    fuzzed: set[str] = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent[event.phase.value] = sent.get(event.phase.value, 0) + len(event.recorder.cases)
            if event.phase.value == "fuzzing" and event.recorder.cases:
                fuzzed.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        first = failure.message.strip().splitlines()[:1]
                        key = f"{event.recorder.label}: {failure.title} {first}"
                        problems.setdefault(key, check.failure_info.code_sample)
        elif isinstance(event, events.NonFatalError):
            problems.setdefault(f"{event.label}: {event.value!r}", event.info.code_sample or "")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return problems, sent, fuzzed


def as_served(app: Any) -> Any:
    """The app as a server runs it: after the 500 is sent, Starlette re-raises the error for the
    server to log, and uvicorn goes on serving; so does this, and the fuzzer sees the 500."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            if scope["type"] != "http":
                raise  # the app's error handler has logged it and sent the 500

    return served


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    schema = f"t_{uuid.uuid4().hex[:12]}" if STORE == "postgres" else None
    if schema:
        require_postgres()
    built = demo_world(tmp_path, schema)
    yield built
    shutdown_lifespans()  # the fuzzer's in-process client keeps the app started until then
    built.svc.store.close()
    if schema:
        drop_schemas(schema)


# HQ (the bootstrap token: the fuzzer cannot revoke it) and an enterprise's operator.
@pytest.mark.parametrize("caller", ["hq_admin", "unit_operator"])
def test_every_answer_is_declared_and_none_is_a_server_error(caller: str, world: World) -> None:
    token = ADMIN_TOKEN if caller == "hq_admin" else world.token("COAL-02", "unit_operator")
    app = as_served(world.app)
    # Boundary values once, as HQ, who passes every authorisation check and so reaches the
    # deepest code; the operator's run keeps examples, random requests and sequences.
    config = fuzz_config(token, coverage=caller == "hq_admin", sequences=SEQUENCES[caller])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    operations = {result.ok().label for result in schema.get_all_operations()}

    # Captured, not rendered: a 500's traceback with its locals costs more than the request.
    with structlog.testing.capture_logs():
        problems, sent, fuzzed = run_schemathesis(schema)

    # Fewer sequences than before, but every operation still gets its random requests.
    assert len(operations) > 100 and fuzzed == operations, sorted(operations ^ fuzzed)
    assert sent.get("stateful", 0) > 0, f"no linked sequences were tried: {sent}"
    report = "\n".join(f"- {problem}\n    {sample}" for problem, sample in sorted(problems.items()))
    assert not problems, f"schemathesis as {caller} ({sent} cases):\n{report}"
    print(f"schemathesis as {caller} on {STORE}: {sent} cases, no problem")  # for long runs (-s)
