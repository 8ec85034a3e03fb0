"""The pending page is a slice of the ledger's sorted queue: same items, order and `more` as
sorting and filtering the whole pending map, for every cursor, both orders and ties on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain.enums import ApplicationSource
from api.domain.ledger import Ledger, PendingSlot, submit
from api.domain.models import PartnerServer, Submission

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _ledger() -> Ledger:
    # 13 applications over 4 distinct times: ties are ordered by application id.
    pending = {f"app-{i:02d}": PendingSlot(100 + i, 200 + i, T0 + timedelta(seconds=(i * 7) % 4)) for i in range(13)}
    return Ledger(guild_id=1, pending=pending)


def _reference(ledger: Ledger, first: int, after, newest_first: bool):
    keys = sorted(((s.submitted_at, k) for k, s in ledger.pending.items()), reverse=newest_first)
    if after is not None:
        keys = [k for k in keys if (k < after if newest_first else k > after)]
    return keys[:first], len(keys) > first


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("first", [0, 1, 4, 12, 13, 14, 100])
def test_every_page_matches_the_whole_sorted_queue(newest_first, first):
    ledger = _ledger()
    keys = sorted((s.submitted_at, k) for k, s in ledger.pending.items())
    outside = [(T0 - timedelta(days=1), "x"), (T0 + timedelta(days=1), "x"), (T0 + timedelta(seconds=1), "app-05x")]
    for after in [None, *keys, *outside]:
        assert ledger.pending_page(first, after, newest_first) == _reference(ledger, first, after, newest_first)


def test_a_new_ledger_version_shows_its_own_queue():
    ledger = _ledger()
    ledger.pending_page(5, None, False)  # sorts and keeps the queue of this version
    partner = PartnerServer(999, "Late", None, 5000, "late")
    later = submit(
        ledger, Submission(1, partner, 300, "ad", ApplicationSource.SLASH, T0), "app-zz", T0 + timedelta(hours=1)
    )
    assert later.ledger.pending_page(100, None, True)[0][0] == (T0 + timedelta(hours=1), "app-zz")
    assert len(later.ledger.pending_page(100, None, False)[0]) == 14
    assert len(ledger.pending_page(100, None, False)[0]) == 13
