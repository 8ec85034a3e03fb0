"""Builders for the journal items a committed change owes (see `api.store.ledgers`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bus import Envelope

from ..domain.enums import QueueEventType

LIVE_QUEUE = "live.queue_event"
LIVE_JOIN = "live.partner_join"


def _item(op: str, **fields: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "op": op, **fields}


def insert(coll: str, doc: dict[str, Any]) -> dict[str, Any]:
    return _item("insert", coll=coll, doc=doc)


def update(coll: str, _id: str, expect: dict[str, Any], set_: dict[str, Any]) -> dict[str, Any]:
    return _item("update", coll=coll, _id=_id, expect=expect, set=set_)


def put_versioned(coll: str, doc: dict[str, Any]) -> dict[str, Any]:
    return _item("put_versioned", coll=coll, doc=doc)


def command(type_: str, guild_id: int, data: dict[str, Any]) -> dict[str, Any]:
    envelope = Envelope.new(type_, guild_id, data)
    return _item("command", envelope=envelope.model_dump(mode="json"))


def live(
    event: QueueEventType,
    guild_id: int,
    seq: int,
    at: datetime,
    application_id: str | None = None,
    partnership_id: str | None = None,
    part: int = 0,
) -> dict[str, Any]:
    """A queue change for the `partnershipQueue` subscription. `seq` (the ledger version) orders a
    guild's changes and lets every replica drop a replayed duplicate; `part` orders the several
    events of one change."""
    data = {
        "event_type": event.value,
        "at": at.isoformat(),
        "application_id": application_id,
        "partnership_id": partnership_id,
        "payload": {"seq": seq, "part": part},
    }
    envelope = Envelope.new(LIVE_QUEUE, guild_id, data)
    return _item("live", envelope=envelope.model_dump(mode="json"))
