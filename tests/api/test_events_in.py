"""Cluster events in: submissions reach the queue, joins are attributed, repeats change nothing."""

from __future__ import annotations

import asyncio

from api.worker import start_worker
from bus import Envelope
from tests.api.factories import GUILD, completed, joined, left, manual_partnership, submitted

STATS = """query($g: Snowflake!) { guild(id: $g) {
  limits { pendingCount }
  partnerships { edges { node { id joinCount retainedCount trackedInviteCode } } }
  joinStats { joins retained partnership { id } } } }"""


async def test_submission_through_the_bus_reaches_the_queue_once(api, container, commands):
    await start_worker(container)
    env = submitted(reply={"application_id": "1000000000000000001", "token": "tok"})
    for _ in range(3):  # a redelivered event changes nothing twice
        await container.bus.publish_event(env)
    await container.bus.publish_event(Envelope.model_validate(env.model_dump()))
    followups = await commands.wait_for("interaction.followup")
    await asyncio.sleep(0.2)
    data = await api.data(STATS, {"g": str(GUILD)})
    assert data["guild"]["limits"]["pendingCount"] == 1
    assert len(commands.of("interaction.followup")) == 1
    assert "in the queue" in followups[0].data["content"]


async def test_refused_submission_is_answered_in_plain_words(worker, container, commands):
    await container.guild_settings.update(GUILD, {"min_partner_member_count": 1000})
    await worker.handle(submitted(members=12, name="Tiny Town"))
    dm = (await commands.wait_for("dm.send"))[0]
    assert "at least 1000 members" in dm.data["content"] and "Tiny Town" in dm.data["content"]
    assert len((await container.writer.load(GUILD)).pending) == 0


async def test_joins_through_a_tracked_invite_are_counted_exactly_once(api, container, worker, commands):
    partnership = await manual_partnership(container)
    await worker.handle(
        completed(GUILD, "invite.create", refs={"partnership_id": partnership.id}, result={"code": "trk"})
    )

    first = joined(GUILD, "trk", user_id=501)
    for env in (first, first, joined(GUILD, "trk", user_id=502), joined(GUILD, "other", user_id=503),
                joined(GUILD, None, join_type="VANITY", user_id=504),
                joined(GUILD, None, join_type="AMBIGUOUS", candidates=["trk", "x"], user_id=505),
                joined(GUILD, "trk", user_id=506, bot=True)):  # fmt: skip
        await worker.handle(env)
    node = (await api.data(STATS, {"g": str(GUILD)}))["guild"]["partnerships"]["edges"][0]["node"]
    assert (node["joinCount"], node["retainedCount"], node["trackedInviteCode"]) == (2, 2, "trk")

    leave = left(GUILD, 502)
    await worker.handle(leave)
    await worker.handle(leave)
    data = (await api.data(STATS, {"g": str(GUILD)}))["guild"]
    node = data["partnerships"]["edges"][0]["node"]
    assert (node["joinCount"], node["retainedCount"]) == (2, 1)
    assert data["joinStats"] == [{"joins": 2, "retained": 1, "partnership": {"id": node["id"]}}]


async def test_a_ticket_gets_the_queued_notice_and_stays_open_until_the_decision(api, worker, container, commands):
    await container.guild_settings.update(GUILD, {"application_mode": "TICKET", "ticket_channel_id": 42})
    app = await container.applications.submit(submitted(source="TICKET", ticket_channel_id=777))
    notice = (await commands.wait_for("ticket.close"))[0]
    assert notice.data["thread_id"] == "777" and notice.data["archive"] is False
    await container.applications.deny(app, actor=5, reason="not a fit", blacklist=False)
    decision = (await commands.wait_for("ticket.close", 2))[1]
    assert decision.data["archive"] is True and "not a fit" in decision.data["content"]


async def test_a_join_stored_but_not_counted_before_a_crash_is_counted_on_redelivery(api, container, worker):
    p = await manual_partnership(container, tracked="trk")
    event = joined(GUILD, "trk", user_id=901)
    real = container.partnership_repo.add_join_counts

    async def crash(*args, **kwargs):
        raise ConnectionError("the process died here")

    container.partnership_repo.add_join_counts = crash
    try:
        await worker.handle(event)
    except ConnectionError:
        pass
    container.partnership_repo.add_join_counts = real
    await worker.handle(event)  # the broker delivers it again
    await worker.handle(event)  # and once more, for good measure
    assert (await container.partnership_repo.get(p.id)).join_count == 1


async def test_the_seed_dm_command_without_an_advertisement_is_queued(worker, container, commands):
    """`$partnership <server-invite>` carries no ad (PYS asks for it after approval): a DM application
    without one is queued; from the other entry points an empty ad is still refused."""
    await container.guild_settings.update(GUILD, {"review_channel_id": 1400000000000000000})
    await worker.handle(submitted(source="DM", advertisement="", name="Seed Server"))
    assert "in the queue" in (await commands.wait_for("dm.send"))[0].data["content"]
    (post,) = await commands.wait_for("review.post")
    assert post.data["advertisement"] == "" and post.data["source"] == "DM"

    await worker.handle(submitted(source="SLASH", advertisement="  ", reply={"application_id": "1", "token": "t"}))
    (refusal,) = await commands.wait_for("interaction.followup")
    assert refusal.data["content"].endswith("The advertisement is empty.")
    assert len((await container.writer.load(GUILD)).pending) == 1
