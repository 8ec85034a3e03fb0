"""NOT_RECIPROCATED follows the truth (issue 13 follow-up): every end of a partnership (health auto-end,
the CONFIRM flow's decline or no answer, as a staff end) tells the partner's side, and a follow-up lost
to a crash after the commit is healed by the grace end (which ends nothing reciprocated) or by the
next health check."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest

from api.clock import utcnow
from api.domain.mutual import NOT_RECIPROCATED
from api.scheduler import Scheduler
from api.services.health import DEADLINE
from api.services.mutual import MutualService
from api.services.partnerships import ManualPartner
from api.store.projector import CONFIRM_DEADLINE
from bus import Envelope
from tests.api.factories import completed
from tests.api.test_mutual_partnerships import (
    APPROVE,
    LOG_A,
    A,
    B,
    a_approves_b,
    a_approves_bs_application,
    a_side_after_the_grace,
    b_partners_a_then_ends,
    both_run_the_bot,
    notices_in,
    partnerships,
    queue,
)

LOG_B = 778


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs."""


@contextmanager
def follow_up_lost(monkeypatch):
    """The process dies right after a change's commit, before the partner's side is told."""

    async def crash(self, change):
        raise Crash()

    with monkeypatch.context() as patched:
        patched.setattr(MutualService, "follow", crash)
        yield


async def b_partners_a_by_hand(container) -> None:
    manual = ManualPartner.parse(
        guild_id=B, partner_guild_id=A, partner_name="Alpha Hub", invite_code="alpha",
        representative_id=1300000000000000009, advertisement="Alpha Hub: come play!",
    )  # fmt: skip
    await container.partnerships.create_manual(manual, actor=None)


async def mutual_pair(api, container, worker) -> None:
    """A and B showcase each other: A approved B, and B approved A's reverse request."""
    await a_approves_b(api, container, worker)
    (request,) = [e["node"] for e in (await queue(api, B))["applications"]["edges"]]
    assert (await api.data(APPROVE, {"id": request["id"]}, token=api.editor(B)))["approveApplication"][
        "userErrors"
    ] == []


def unreciprocated(side: dict) -> list[dict]:
    return [p for p in side["problems"] if p["code"] == NOT_RECIPROCATED]


async def test_a_close_lost_to_a_crash_ends_nothing_at_the_grace_end(api, container, worker, commands, monkeypatch):
    """B ends (A's NOT_RECIPROCATED opens), then partners A again but dies right after that commit, so
    the problem stays open: A's grace end (auto-end on) finds the pair reciprocated and closes it."""
    pid = await b_partners_a_then_ends(api, container, worker, commands, {"auto_end_unhealthy": True})
    with follow_up_lost(monkeypatch), pytest.raises(Crash):
        await b_partners_a_by_hand(container)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "YES" and len(unreciprocated(a_side)) == 1  # what the crash left

    a_side = await a_side_after_the_grace(api, container, pid)
    assert a_side["status"] == "ACTIVE" and a_side["health"]["status"] == "OK"
    (a_side,) = await partnerships(api, A)
    assert unreciprocated(a_side) == []
    assert not any(w["code"].startswith(NOT_RECIPROCATED) for w in await container.warnings.guild_warnings(A))
    await commands.wait_for("staff.notify", 2)
    assert "showcase our advertisement again" in notices_in(commands, LOG_A)[-1]


async def test_a_health_auto_end_on_a_opens_not_reciprocated_on_b(api, container, worker, commands):
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"health_grace_hours": 0, "auto_end_unhealthy": True})
    await container.guild_settings.update(B, {"log_channel_id": LOG_B})
    await mutual_pair(api, container, worker)
    (ours,) = await container.partnership_repo.list_for_guild(A)

    dead_invite = {"resolved": False, "guild_id": None, "name": None, "icon_url": None, "member_count": None}
    await worker.handle(completed(A, "partner.check", refs={"partnership_id": ours.id}, result=dead_invite))
    assert (await container.partnership_repo.get(ours.id)).status.value == "ENDED"

    (b_side,) = await partnerships(api, B)
    assert b_side["status"] == "ACTIVE" and b_side["reciprocity"] == "NO"
    (problem,) = unreciprocated(b_side)
    assert "Alpha Hub" in problem["message"] and "no longer showcases" in problem["message"]
    await commands.wait_for("staff.notify", 1)
    assert any("Alpha Hub" in n and "no longer showcases" in n for n in notices_in(commands, LOG_B))


@pytest.mark.parametrize("how", ["DECLINE", "no answer"])
async def test_an_offer_ended_by_the_confirm_flow_opens_not_reciprocated_on_the_partner(
    api, container, worker, commands, how
):
    """B showcases A (added by hand); A approves B's application under CONFIRM and B's representative
    says No thanks, or never answers: B's partnership with A reads NO and NOT_RECIPROCATED opens."""
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"approval_flow": "CONFIRM", "confirm_hours": 2})
    await container.guild_settings.update(B, {"log_channel_id": LOG_B})
    await b_partners_a_by_hand(container)
    await a_approves_bs_application(api, worker)
    (offer,) = await container.partnership_repo.list_for_guild(A)
    assert offer.status.value == "AWAITING_PARTNER"
    (b_side,) = await partnerships(api, B)
    assert unreciprocated(b_side) == []

    if how == "DECLINE":
        answer = {"partnership_id": offer.id, "user_id": str(offer.representative_id), "answer": "DECLINE",
                  "reply": {"application_id": "99", "token": "tok"}}  # fmt: skip
        await worker.handle(Envelope.new("partnership.answer", A, answer))
    else:
        handlers = {CONFIRM_DEADLINE: container.confirmations.deadline}
        late = Scheduler(container.scheduled, handlers, lambda: utcnow() + timedelta(hours=2, minutes=1))
        assert (await late.run_due()).ran == 1
    assert (await container.partnership_repo.get(offer.id)).status.value == "ENDED"

    (b_side,) = await partnerships(api, B)
    assert b_side["status"] == "ACTIVE" and b_side["reciprocity"] == "NO"
    (problem,) = unreciprocated(b_side)
    assert "Alpha Hub" in problem["message"]
    await commands.wait_for("staff.notify", 1)
    assert any("no longer showcases" in n for n in notices_in(commands, LOG_B))


async def test_a_health_check_heals_a_not_reciprocated_a_crash_left_missing_or_open(
    api, container, worker, commands, monkeypatch
):
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"log_channel_id": LOG_A})
    await mutual_pair(api, container, worker)
    (ours,), (theirs,) = (
        await container.partnership_repo.list_for_guild(A),
        await container.partnership_repo.list_for_guild(B),
    )

    with follow_up_lost(monkeypatch), pytest.raises(Crash):
        await container.partnerships.end(theirs, "moving on", actor=None)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "NO" and unreciprocated(a_side) == []  # missing: the crash lost it

    await container.health.check_due(ours.id, utcnow())
    (a_side,) = await partnerships(api, A)
    assert len(unreciprocated(a_side)) == 1
    assert await container.scheduled.get(DEADLINE, ours.id) is not None  # its grace end is owed again
    await commands.wait_for("staff.notify", 1)
    assert "no longer showcases" in notices_in(commands, LOG_A)[-1]

    with follow_up_lost(monkeypatch), pytest.raises(Crash):
        await b_partners_a_by_hand(container)
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "YES" and len(unreciprocated(a_side)) == 1  # open: the crash kept it

    await container.health.check_due(ours.id, utcnow())
    (a_side,) = await partnerships(api, A)
    assert unreciprocated(a_side) == []
    await commands.wait_for("staff.notify", 2)
    assert "showcase our advertisement again" in notices_in(commands, LOG_A)[-1]

    version = (await container.writer.load(A)).version
    await container.health.check_due(ours.id, utcnow())  # the truth already shown: nothing to change or say
    assert (await container.writer.load(A)).version == version


async def test_a_health_check_holds_nothing_against_a_partner_still_deciding_our_request(api, container, worker):
    """B's queue still holds A's reverse request: reciprocity reads NO, but B never showcased A, so a
    check opens no problem (with auto-end on, it would end A's partnership before B could decide)."""
    await both_run_the_bot(container)
    await container.guild_settings.update(A, {"health_grace_hours": 0, "auto_end_unhealthy": True})
    await a_approves_b(api, container, worker)
    assert [e["node"]["source"] for e in (await queue(api, B))["applications"]["edges"]] == ["MUTUAL"]
    (ours,) = await container.partnership_repo.list_for_guild(A)

    await container.health.check_due(ours.id, utcnow())
    (a_side,) = await partnerships(api, A)
    assert a_side["reciprocity"] == "NO" and unreciprocated(a_side) == []
    assert a_side["status"] == "ACTIVE"
