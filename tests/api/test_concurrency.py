"""Caps and uniqueness under real concurrency: two API containers (like two replicas) on one
MongoDB wire server, where concurrent operations really interleave (mongomock cannot show this)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from api.domain.enums import ApplicationStatus, PartnershipStatus
from api.domain.errors import RuleViolation
from api.services.partnerships import ManualPartner
from tests.api.factories import GUILD, next_partner_id, submitted


async def _outcomes(calls) -> Counter:
    results = await asyncio.gather(*calls, return_exceptions=True)
    outcome = Counter()
    for result in results:
        if isinstance(result, RuleViolation):
            outcome[result.code.value] += 1
        elif isinstance(result, BaseException):
            raise result
        else:
            outcome["ok" if result is not None else "refused"] += 1
    return outcome


async def test_40_concurrent_approvals_with_3_slots_left_give_exactly_3(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"max_active": 5, "application_cooldown_hours": 0})
    for _ in range(2):
        await a.partnerships.create_manual(
            ManualPartner.parse(guild_id=GUILD, partner_guild_id=next_partner_id(), partner_name="Old",
                                 invite_code="old", representative_id=5, advertisement="ad"), actor=1)  # fmt: skip
    apps = [await a.applications.submit(submitted()) for _ in range(40)]
    assert all(app is not None for app in apps)

    outcome = await _outcomes([(a if i % 2 else b).applications.approve(app, actor=9) for i, app in enumerate(apps)])
    assert outcome == Counter({"ok": 3, "ACTIVE_LIMIT_REACHED": 37})

    ledger = await b.writer.load(GUILD)
    assert len(ledger.active) == 5 and len(ledger.pending) == 37
    assert await a.partnership_repo.count(GUILD, None) == 5
    assert await a.application_repo.count(GUILD, ApplicationStatus.APPROVED) == 3 + 2
    assert await a.application_repo.count(GUILD, ApplicationStatus.PENDING) == 37


@pytest.mark.slow
async def test_300_concurrent_submissions_leave_exactly_250_pending(replicas):
    a, b = replicas
    results = await asyncio.gather(*[(a if i % 2 else b).applications.submit(submitted()) for i in range(300)])
    assert sum(r is not None for r in results) == 250
    assert len((await a.writer.load(GUILD)).pending) == 250
    assert await b.application_repo.count(GUILD, ApplicationStatus.PENDING) == 250
    assert await b.application_repo.count(GUILD, None) == 250  # the 50 refused left nothing behind


async def test_two_concurrent_submissions_for_one_partner_give_one_pending(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"application_cooldown_hours": 0})
    partner = next_partner_id()
    results = await asyncio.gather(
        *[(a if i % 2 else b).applications.submit(submitted(partner_id=partner)) for i in range(2)]
    )
    assert sum(r is not None for r in results) == 1
    for _ in range(3):  # more rounds with more contenders, to give the race every chance
        results = await asyncio.gather(
            *[(a if i % 2 else b).applications.submit(submitted(partner_id=partner)) for i in range(6)]
        )
        assert all(r is None for r in results)
    assert await a.application_repo.count(GUILD, ApplicationStatus.PENDING) == 1
    assert (await a.writer.load(GUILD)).pending_partner_ids() == {partner}


async def test_one_representative_racing_for_several_servers_gets_one_application(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"min_partner_member_count": 10})  # the ledger exists before the race
    results = await asyncio.gather(
        *[(a if i % 2 else b).applications.submit(submitted(representative_id=424242)) for i in range(10)]
    )
    assert sum(r is not None for r in results) == 1  # the 24 h cooldown holds under concurrency
    assert await a.application_repo.count(GUILD, None) == 1


async def test_concurrent_approve_and_deny_of_one_application_decide_it_once(replicas):
    a, b = replicas
    for _ in range(5):
        app = await a.applications.submit(submitted())
        outcome = await _outcomes([a.applications.approve(app, actor=1), b.applications.deny(app, 2, "no", False)])
        assert outcome["ok"] == 1 and outcome["INVALID_STATE"] == 1
        final = await a.application_repo.get(app.id)
        assert final.status in (ApplicationStatus.APPROVED, ApplicationStatus.DENIED)
        assert (final.partnership_id is not None) == (final.status is ApplicationStatus.APPROVED)
    ledger = await a.writer.load(GUILD)
    assert len(ledger.active) == await a.partnership_repo.count(GUILD, None)


async def test_offers_awaiting_the_partner_hold_their_slots_under_concurrent_approvals(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"max_active": 4, "application_cooldown_hours": 0, "approval_flow": "CONFIRM"})
    apps = [await a.applications.submit(submitted()) for _ in range(30)]
    outcome = await _outcomes([(a if i % 2 else b).applications.approve(app, actor=9) for i, app in enumerate(apps)])
    assert outcome == Counter({"ok": 4, "ACTIVE_LIMIT_REACHED": 26})
    ledger = await b.writer.load(GUILD)
    assert len(ledger.active) == 4 and len(ledger.awaiting_ids()) == 4
    assert await a.partnership_repo.count(GUILD, PartnershipStatus.AWAITING_PARTNER) == 4

    # The representatives answer while staff approve more: a slot frees only as one declines.
    offers = [await a.partnership_repo.get(pid) for pid in sorted(ledger.active)]
    waiting = [app for app in apps if (await a.application_repo.get(app.id)).status is ApplicationStatus.PENDING]
    calls = [
        a.confirmations.confirm(offers[0]),
        b.confirmations.decline(offers[1]),
        a.confirmations.confirm(offers[2]),
        *[(b if i % 2 else a).applications.approve(app, actor=9) for i, app in enumerate(waiting[:10])],
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    approvals = [r for r in results[3:] if not isinstance(r, BaseException)]
    assert all(isinstance(r, RuleViolation) for r in results[3:] if isinstance(r, BaseException))
    assert len(approvals) == 1  # exactly the one slot the decline freed
    final = await a.writer.load(GUILD)
    assert len(final.active) == 4
    assert await a.partnership_repo.count(GUILD, PartnershipStatus.ACTIVE) == 2
    assert await a.partnership_repo.count(GUILD, PartnershipStatus.AWAITING_PARTNER) == 2
    assert await a.partnership_repo.count(GUILD, PartnershipStatus.ENDED) == 1


async def test_continue_racing_no_thanks_decides_the_offer_once(replicas):
    a, b = replicas
    await a.guild_settings.update(GUILD, {"application_cooldown_hours": 0, "approval_flow": "CONFIRM"})
    for _ in range(5):
        app = await a.applications.submit(submitted())
        offer = (await a.applications.approve(app, actor=1)).partnership
        outcome = await _outcomes([a.confirmations.confirm(offer), b.confirmations.decline(offer)])
        assert outcome["INVALID_STATE"] == 1 and outcome["refused"] == 1  # one ran (returns None), one refused
        final = await a.partnership_repo.get(offer.id)
        assert final.status in (PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)
        assert (offer.id in (await a.writer.load(GUILD)).active) == (final.status is PartnershipStatus.ACTIVE)
