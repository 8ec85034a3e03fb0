"""Join attribution against the fake Discord with the real discord.py client: members joining through
partner invites, the vanity URL and no invite at all are labelled exactly as the rules say, a burst
costs few invite fetches, and the invite events keep the snapshot current without fetching."""

from __future__ import annotations

import asyncio

from tests.cluster.joins.conftest import INVITES, label
from tests.fakediscord import FakeDiscord
from tests.fakediscord.server import eventually


def home(fake: FakeDiscord):
    w = fake.world
    guild = w.add_guild("Home", shard=0, shard_count=1, vanity_url_code="home", vanity_uses=40)
    w.add_invite(guild, code="partnerA", uses=3)
    w.add_invite(guild, code="partnerB", uses=10)
    w.add_invite(guild, code="staff", uses=50)
    return guild


async def test_thirty_joins_in_known_groups_are_attributed_exactly(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node(window=0.3)
    await n.track(guild)
    snap = n.cog.snapshots[guild.id]
    assert snap.uses == {"partnerA": 3, "partnerB": 10, "staff": 50}
    assert (snap.vanity_code, snap.vanity_uses) == ("home", 40)
    mark = fake_discord.calls.mark()

    # Each group joins within one batch window; the next group starts once the previous is published.
    groups = [
        (["partnerA"] * 8, ("INVITE", "partnerA", [])),
        (["partnerB"] * 7, ("INVITE", "partnerB", [])),
        (["vanity"] * 6, ("VANITY", "home", [])),
        ([None] * 3, ("UNKNOWN", None, [])),  # joined without any invite count rising
        # simultaneous increments of A, B and the vanity, plus a join that used none: unprovable
        (["partnerA", "partnerB", "vanity", None, "partnerA", "vanity"], ("AMBIGUOUS", None, ["partnerA", "partnerB", "home"])),
    ]  # fmt: skip
    expected: dict[str, tuple[str, str | None, list[str]]] = {}
    total = 0
    for paths, want in groups:
        for path in paths:
            if path == "vanity":
                member = await fake_discord.member_join(guild, vanity=True)
            else:
                member = await fake_discord.member_join(guild, invite=path)
            expected[str(member.user_id)] = want
        total += len(paths)
        await n.wait_joined(total)
    assert total == 30

    got = n.by_user()
    assert {uid: label(got[uid]) for uid in expected} == expected
    assert all(not d["bot"] and d["joined_at"] and d["account_created_at"] for d in got.values())
    fetches = n.invite_fetches(guild, since=mark)
    assert fetches == len(groups) <= total / 5  # one fetch per batch, not per join


async def test_thirty_simultaneous_joins_share_one_fetch(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node(window=0.3)
    await n.track(guild)
    mark = fake_discord.calls.mark()

    # 30 at once through one partner invite: one batch, provably all through it
    await asyncio.gather(*(fake_discord.member_join(guild, invite="partnerA") for _ in range(30)))
    joined = await n.wait_joined(30)
    assert [label(d) for d in joined] == [("INVITE", "partnerA", [])] * 30
    assert n.invite_fetches(guild, since=mark) == 1

    # 30 at once through two invites and the vanity: nobody can be told apart
    mark = fake_discord.calls.mark()
    paths = [{"invite": "partnerA"}] * 12 + [{"invite": "partnerB"}] * 10 + [{"vanity": True}] * 8
    await asyncio.gather(*(fake_discord.member_join(guild, **p) for p in paths))
    joined = (await n.wait_joined(60))[30:]
    assert [label(d) for d in joined] == [("AMBIGUOUS", None, ["partnerA", "partnerB", "home"])] * 30
    assert n.invite_fetches(guild, since=mark) == 1
    assert n.cog.snapshots[guild.id].uses["partnerA"] == 3 + 30 + 12


async def test_invite_events_update_the_snapshot_without_a_fetch(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node()
    await n.track(guild)
    mark = fake_discord.calls.mark()

    await fake_discord.invite_create(guild, code="fresh", uses=0)
    await fake_discord.invite_create(guild, code="limited", max_uses=5)
    await fake_discord.invite_delete("staff")
    snap = n.cog.snapshots[guild.id]
    await eventually(lambda: "fresh" in snap.uses and "limited" in snap.uses and "staff" not in snap.uses)
    assert snap.limited["limited"][0] == 5
    assert n.invite_fetches(guild, since=mark) == 0

    # the invite created after the snapshot is attributed from its creation count
    member = await fake_discord.member_join(guild, invite="fresh")
    (data,) = await n.wait_joined(1)
    assert data["user_id"] == str(member.user_id) and label(data) == ("INVITE", "fresh", [])
    assert n.invite_fetches(guild, since=mark) == 1


async def test_used_up_invites_vanish_and_still_count(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    w = fake_discord.world
    w.add_invite(guild, code="once", max_uses=1)
    w.add_invite(guild, code="twice", max_uses=2, uses=1)
    w.add_invite(guild, code="single1", max_uses=1)
    w.add_invite(guild, code="single2", max_uses=1)
    w.add_invite(guild, code="byhand", max_uses=1)
    n = await node()
    await n.track(guild)

    # Discord deletes an invite on its last use (INVITE_DELETE before GUILD_MEMBER_ADD)
    await fake_discord.member_join(guild, invite="once")
    (data,) = await n.wait_joined(1)
    assert label(data) == ("INVITE", "once", [])
    assert "once" not in w.invites

    await fake_discord.member_join(guild, invite="twice")
    assert label((await n.wait_joined(2))[1]) == ("INVITE", "twice", [])

    # two single-use invites used up in the same batch: who used which is unknown
    await fake_discord.member_join(guild, invite="single1")
    await fake_discord.member_join(guild, invite="single2")
    joined = (await n.wait_joined(4))[2:]
    assert [label(d) for d in joined] == [("AMBIGUOUS", None, ["single1", "single2"])] * 2

    # a single-use invite deleted by hand long before a join is not mistaken for a use
    n.cog.vanish_ttl = 0.1
    await fake_discord.invite_delete("byhand")
    await asyncio.sleep(0.3)  # the point: the deletion is older than vanish_ttl when the join comes
    await fake_discord.member_join(guild)
    assert label((await n.wait_joined(5))[4]) == ("UNKNOWN", None, [])


async def test_uses_counted_before_their_join_arrives_wait_for_it(fake_discord: FakeDiscord, node) -> None:
    """A fetch may already count a use whose GUILD_MEMBER_ADD is still on its way: the batch waits for
    that join (no second fetch) so both are judged together."""
    guild = home(fake_discord)
    n = await node(window=0.2, settle=1.5)
    await n.track(guild)
    mark = fake_discord.calls.mark()

    fake_discord.world.invites["partnerA"].uses += 1  # someone used A; their join is delayed
    first = await fake_discord.member_join(guild, invite="partnerA")
    # The batch has fetched (A +2, one join) and waits for the second join.
    await eventually(lambda: fake_discord.calls.calls_to(INVITES, guild_id=guild.id, since=mark, status=200))
    assert n.joined() == []
    late = await fake_discord.member_join(guild)  # the delayed join (its use was counted already)
    joined = await n.wait_joined(2)
    assert {d["user_id"]: label(d) for d in joined} == {
        str(first.user_id): ("INVITE", "partnerA", []),
        str(late.user_id): ("INVITE", "partnerA", []),
    }
    assert n.invite_fetches(guild, since=mark) == 1


async def test_bots_are_unknown_and_do_not_blur_a_batch(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node()
    await n.track(guild)
    human = await fake_discord.member_join(guild, invite="partnerB")
    robot = await fake_discord.member_join(guild, bot=True)
    got = {d["user_id"]: d for d in await n.wait_joined(2)}
    assert label(got[str(human.user_id)]) == ("INVITE", "partnerB", [])
    assert label(got[str(robot.user_id)]) == ("UNKNOWN", None, []) and got[str(robot.user_id)]["bot"] is True


async def test_member_leave_publishes_member_left(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    user = fake_discord.world.add_member(guild, username="leaver").user_id
    n = await node()
    await fake_discord.member_leave(guild, user)
    (left,) = await eventually(lambda: n.bus.events("member.left"))
    assert left.guild_id == str(guild.id) and left.data["user_id"] == str(user) and left.data["left_at"]


async def test_without_track_joins_nothing_is_fetched_but_joins_are_published(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    other = fake_discord.world.add_guild("Never configured", shard=0, shard_count=1)
    fake_discord.world.add_invite(other, code="otherinv")
    n = await node()
    await n.track(guild, on=False)
    await fake_discord.member_join(guild, invite="partnerA")
    await fake_discord.member_join(guild, vanity=True)
    await fake_discord.member_join(other, invite="otherinv")
    joined = await n.wait_joined(3)
    assert [label(d) for d in joined] == [("UNKNOWN", None, [])] * 3
    assert len(fake_discord.calls.calls_to(INVITES)) == 0
    assert n.cog.snapshots == {}


async def test_turning_tracking_off_forgets_the_snapshot(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node()
    await n.track(guild)
    assert guild.id in n.cog.snapshots
    await n.track(guild, on=False)
    assert guild.id not in n.cog.snapshots
    mark = fake_discord.calls.mark()
    await fake_discord.member_join(guild, invite="partnerA")
    assert label((await n.wait_joined(1))[0]) == ("UNKNOWN", None, [])
    assert n.invite_fetches(guild, since=mark) == 0


async def test_a_reidentified_shard_takes_its_snapshots_again(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node()
    await n.track(guild)
    mark = fake_discord.calls.mark()
    first = n.cog.snapshots[guild.id].generation
    await fake_discord.gateway.invalidate(0)  # a new session: invite events may have been missed
    await eventually(lambda: n.invite_fetches(guild, since=mark) == 1)
    await eventually(lambda: n.cog.snapshots.get(guild.id) and n.cog.snapshots[guild.id].generation > first)
    await fake_discord.member_join(guild, invite="partnerB")
    assert label((await n.wait_joined(1))[0]) == ("INVITE", "partnerB", [])


async def test_published_joins_are_counted_in_the_metrics_by_type(fake_discord: FakeDiscord, node) -> None:
    guild = home(fake_discord)
    n = await node(window=0.3)
    await n.track(guild)
    await asyncio.gather(*(fake_discord.member_join(guild, invite="partnerA") for _ in range(4)))
    await n.wait_joined(4)
    await fake_discord.member_join(guild, vanity=True)
    await n.wait_joined(5)
    counter = n.cog.bot.metrics.joins
    assert counter.labels("INVITE")._value.get() == 4 and counter.labels("VANITY")._value.get() == 1
