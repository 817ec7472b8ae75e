"""The log set-up: JSON lines on whatever stderr is when a record comes."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from marketplace.log import configure_logging, get_logger


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_record_after_stderr_was_swapped_and_closed_goes_to_the_new_stderr(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test runner gives each test its own stderr and closes it afterwards; a thread of the
    # application still logging then must not meet the closed one ("Logging error").
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("INFO")
    get_logger("t").info("before_swap")
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    get_logger("t").warning("after_swap", n=1)
    line = json.loads(second.getvalue())
    assert (line["event"], line["level"], line["n"]) == ("after_swap", "warning", 1)
