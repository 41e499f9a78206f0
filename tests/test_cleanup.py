"""Clean-up on a failure path (:mod:`cargobay._cleanup`): the original error is what propagates."""

from __future__ import annotations

import logging

import pytest

from cargobay._cleanup import abort_after, abort_quietly


def test_abort_after_runs_the_clean_up() -> None:
    ran: list[str] = []
    error = ValueError("the cause")
    abort_after(error, lambda: ran.append("abort"))
    assert ran == ["abort"]
    assert not hasattr(error, "__notes__")


def test_abort_after_a_failing_clean_up_is_logged_and_noted_on_the_original(caplog: pytest.LogCaptureFixture) -> None:
    def abort() -> None:
        raise OSError(30, "Read-only file system")

    error = ValueError("the cause")
    with caplog.at_level(logging.WARNING, logger="cargobay._cleanup"):
        abort_after(error, abort)
    assert len(error.__notes__) == 1
    assert "clean-up" in error.__notes__[0] and "Read-only file system" in error.__notes__[0]
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "ValueError" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], OSError)


def test_abort_after_lets_an_interrupt_of_the_clean_up_through() -> None:
    def abort() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        abort_after(ValueError("the cause"), abort)


def test_abort_quietly_logs_a_failing_clean_up_and_raises_nothing(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def abort() -> None:
        ran.append("abort")
        raise OSError(5, "Input/output error")

    with caplog.at_level(logging.WARNING, logger="cargobay._cleanup"):
        abort_quietly(abort)
    assert ran == ["abort"]
    [record] = caplog.records
    assert record.exc_info is not None and isinstance(record.exc_info[1], OSError)
