"""Without Manage Server the bot cannot read invites: one guild.warning, joins published as UNKNOWN,
no failed request per join, the node keeps working (other guilds, and this one once allowed again)."""

from __future__ import annotations

from tests.cluster.joins.conftest import INVITES, VANITY_URL, label
from tests.fakediscord import FakeDiscord


def guild_with_invites(fake: FakeDiscord, name: str, code: str, vanity: str | None = None):
    w = fake.world
    guild = w.add_guild(name, shard=0, shard_count=1, vanity_url_code=vanity, vanity_uses=5 if vanity else 0)
    w.add_invite(guild, code=code, uses=1)
    return guild


async def test_missing_manage_guild_warns_once_and_joins_are_unknown(fake_discord: FakeDiscord, node) -> None:
    locked = guild_with_invites(fake_discord, "Locked", "lockedinv", vanity="lockedvan")
    fine = guild_with_invites(fake_discord, "Fine", "fineinv")
    fake_discord.world.deny_bot(locked, "MANAGE_GUILD")
    n = await node(window=0.2)
    await n.track(locked, until=lambda: n.bus.events("guild.warning"))
    await n.track(fine)
    assert locked.id not in n.cog.snapshots and fine.id in n.cog.snapshots

    for _ in range(2):  # two batches
        await fake_discord.member_join(locked, invite="lockedinv")
        await fake_discord.member_join(locked, vanity=True)
        await n.wait_joined(len(n.joined()) + 2)
    await fake_discord.member_join(fine, invite="fineinv")
    await n.wait_joined(5)

    assert [label(d) for d in n.joined(locked)] == [("UNKNOWN", None, [])] * 4
    assert [label(d) for d in n.joined(fine)] == [("INVITE", "fineinv", [])]
    (warning,) = n.bus.events("guild.warning")
    assert warning.guild_id == str(locked.id) and warning.data["code"] == "MISSING_MANAGE_GUILD"
    assert "Manage Server" in warning.data["message"]
    # one refused request (the snapshot), none per join; the vanity URL was not even tried
    assert len(fake_discord.calls.calls_to(INVITES, guild_id=locked.id)) == 1
    assert len(fake_discord.calls.calls_to(VANITY_URL, guild_id=locked.id)) == 0

    # staff give the permission back; the api re-sends the settings: tracking resumes, no new warning
    fake_discord.world.allow_bot(locked, "MANAGE_GUILD")
    await n.track(locked)
    assert n.cog.snapshots[locked.id].uses == {"lockedinv": 3}
    await fake_discord.member_join(locked, invite="lockedinv")
    assert label((await n.wait_joined(6))[5]) == ("INVITE", "lockedinv", [])
    assert len(n.bus.events("guild.warning")) == 1


async def test_unreadable_vanity_warns_once_and_only_vanity_joins_are_unknown(fake_discord: FakeDiscord, node) -> None:
    guild = guild_with_invites(fake_discord, "Home", "homeinv", vanity="homevan")
    fake_discord.rest.inject(VANITY_URL, status=403, times=100, body={"code": 50013, "message": "Missing Permissions"})
    n = await node(window=0.2)
    await n.track(guild)
    snap = n.cog.snapshots[guild.id]
    assert snap.uses == {"homeinv": 1} and snap.vanity_uses is None

    await fake_discord.member_join(guild, vanity=True)
    assert label((await n.wait_joined(1))[0]) == ("UNKNOWN", None, [])
    await fake_discord.member_join(guild, invite="homeinv")
    assert label((await n.wait_joined(2))[1]) == ("INVITE", "homeinv", [])

    (warning,) = n.bus.events("guild.warning")
    assert warning.data["code"] == "MISSING_MANAGE_GUILD" and "vanity" in warning.data["message"]
    assert len(fake_discord.calls.calls_to(VANITY_URL, guild_id=guild.id)) == 1  # backed off after the 403
