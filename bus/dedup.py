"""A bounded memory of recently handled envelope ids.

RabbitMQ delivers at least once: after a lost ack or a reconnect the same message comes again. This
LRU skips such exact duplicates cheaply, but it is an optimisation only: it is per process, bounded,
and forgotten on restart. Handlers must stay idempotent on the envelope id (the api keeps its own
durable record of handled ids on top of this).
"""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    def __init__(self, maxsize: int = 10_000) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, envelope_id: object) -> bool:
        return envelope_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, envelope_id: str) -> None:
        self._ids[envelope_id] = None
        self._ids.move_to_end(envelope_id)
        if len(self._ids) > self._maxsize:
            self._ids.popitem(last=False)
