"""How long a batch waits for company before it starts (the consumer's linger).

Each batch has a fixed cost whatever its size: its database writes, the live notification and its
confirm, the ack. Without waiting, a busy but not saturated stream (say 1,000 events/s against a
worker that could take 3,000/s) comes in batches of one or two, so the worker spends most of its
CPU on that fixed cost; on a machine the broker shares, that CPU is taken from the broker, and every
event waits longer for it. A few milliseconds' wait makes the batches several events each, which
cuts the worker's CPU per event two- to threefold at that rate (bench/bus.py) for those milliseconds
of latency.

The wait applies only while the stream is busy: when the last two deliveries came closer together
than the linger itself. An event after a quiet spell starts its batch at once, so low traffic keeps
the latency of a single event; a full batch never waits.
"""

from __future__ import annotations


def linger_before_batch(pending: int, max_batch: int, last_gap: float, linger: float) -> float:
    """Seconds to wait before taking a batch of the `pending` deliveries (0 = take them now).
    `last_gap`: seconds between the last two deliveries; `linger`: the setting (0 = never wait)."""
    if linger <= 0 or pending >= max_batch or last_gap >= linger:
        return 0.0
    return linger
