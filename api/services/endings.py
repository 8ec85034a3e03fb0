"""What every end of a partnership journals, whoever ends it: staff (`partnerships.py`), the health
checks' auto-end (`health.py`), the CONFIRM flow's decline and answer deadline (`confirmations.py`).

Each end clears our side of the mutual pair's link (`MutualLinkLeft`; a no-op for an offer that was
never linked), and that record is what `MutualService.follow` turns into the partner's
NOT_RECIPROCATED after the commit: so no end path can forget to tell the partner's side.
"""

from __future__ import annotations

from datetime import datetime

from ..domain.enums import QueueEventType
from ..domain.ledger import Ledger
from ..domain.models import Partnership
from ..domain.records import MutualLinkLeft, PartnershipEnded
from . import audit, journal
from .journal import JournalEntry


def partnership_ended(
    p: Partnership, new: Ledger, now: datetime, actor: int | None, reason: str | None
) -> list[JournalEntry]:
    return [
        PartnershipEnded(p.id, now, reason),
        journal.live(QueueEventType.PARTNERSHIP_ENDED, p.guild_id, new.version, now, partnership_id=p.id),
        audit.entry(
            p.guild_id, now, actor, "partnership.end", p.id, {"status": p.status.value}, {"status": "ENDED"}, reason
        ),
        MutualLinkLeft(p.guild_id, p.partner.id, p.id, new.version),
    ]
