"""The consumer's linger rule (bus/batch_linger.py): wait only while events stream in."""

from __future__ import annotations

from bus.batch_linger import linger_before_batch

LINGER = 0.005


def test_events_streaming_in_wait_the_linger_for_company() -> None:
    assert linger_before_batch(pending=1, max_batch=200, last_gap=0.001, linger=LINGER) == LINGER


def test_an_event_after_a_quiet_spell_starts_at_once() -> None:
    assert linger_before_batch(pending=1, max_batch=200, last_gap=2.0, linger=LINGER) == 0.0
    assert linger_before_batch(pending=1, max_batch=200, last_gap=float("inf"), linger=LINGER) == 0.0  # the first


def test_a_full_batch_never_waits() -> None:
    assert linger_before_batch(pending=200, max_batch=200, last_gap=0.001, linger=LINGER) == 0.0


def test_no_linger_set_never_waits() -> None:
    assert linger_before_batch(pending=1, max_batch=200, last_gap=0.0001, linger=0.0) == 0.0
