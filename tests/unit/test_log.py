"""The log handler writes to whatever stderr is when a record comes."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from marketplace.log import CurrentStderr


def test_a_record_after_stderr_was_swapped_and_closed_goes_to_the_new_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A test runner gives each test its own stderr and closes it afterwards; a thread of the
    # application still logging then must not meet the closed one ("Logging error"). A logger
    # of its own: the process's logging set-up is left as it is for the other tests.
    logger = logging.Logger("test_log")
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logger.addHandler(CurrentStderr())
    logger.warning("before_swap")
    assert first.getvalue() == "before_swap\n"
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logger.warning("after_swap")
    assert second.getvalue() == "after_swap\n"
