"""Interactions through the stand-in: slash commands, modals, buttons, follow-ups."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from cluster.bot import build_intents
from tests.fakediscord import CallbackType, ErrorCode, FakeDiscord, eventually
from tests.fakediscord.fixtures import no_identify_wait, running

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


class ApplyModal(discord.ui.Modal, title="Partnership application"):
    invite = discord.ui.TextInput(label="Invite", custom_id="invite")
    advertisement = discord.ui.TextInput(label="Advertisement", style=discord.TextStyle.long, custom_id="ad")

    def __init__(self, results: list) -> None:
        super().__init__(custom_id="apply-modal")
        self.results = results

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.results.append((self.invite.value, self.advertisement.value, interaction.user.id))
        await interaction.response.send_message("Application received", ephemeral=True)


class ReviewView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Accept", custom_id="review:accept", style=discord.ButtonStyle.success)
    async def accept(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"Accepted by {interaction.user.id}", view=None)


def build_tree(client: discord.Client, results: list) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    ppartner = app_commands.Group(name="ppartner", description="Partnerships")

    @ppartner.command(name="apply", description="Apply")
    async def apply(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ApplyModal(results))

    @ppartner.command(name="check", description="Look a member up")
    async def check(interaction: discord.Interaction, member: discord.Member, note: str = "") -> None:
        await interaction.response.defer(thinking=True)
        results.append((member.id, [r.id for r in member.roles], note))
        await interaction.followup.send(f"{member.mention} checked @everyone")
        await interaction.edit_original_response(content="done")

    tree.add_command(ppartner)
    return tree


@pytest.fixture
def results() -> list:
    return []


async def start_with_tree(
    fake: FakeDiscord, results: list
) -> tuple[discord.AutoShardedClient, app_commands.CommandTree]:
    client = discord.AutoShardedClient(
        intents=build_intents(),
        shard_count=2,
        guild_ready_timeout=0.05,
        member_cache_flags=discord.MemberCacheFlags.none(),
        chunk_guilds_at_startup=False,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    tree = build_tree(client, results)
    client.add_view(ReviewView())
    return client, tree


async def test_slash_command_modal_round_trip(fake_discord: FakeDiscord, results: list) -> None:
    w = fake_discord.world
    guild = w.add_guild("home", shard=1, shard_count=2)
    rep = w.add_member(guild, username="rep").user_id
    client, tree = await start_with_tree(fake_discord, results)
    async with running(client, w.token):
        await tree.sync()
        assert [c["name"] for c in w.commands_global] == ["ppartner"]

        it = await fake_discord.slash_command("ppartner", subcommand="apply", user=rep, guild=guild)
        response = await it.wait_response()
        assert response["type"] == CallbackType.MODAL and it.modal["custom_id"] == "apply-modal"
        assert fake_discord.sessions(1)[0].events("INTERACTION_CREATE")  # the guild's shard got it

        submit = await fake_discord.modal_submit(it, {"invite": "discord.gg/abc", "ad": "Best server"})
        answer = await submit.wait_response()
        assert results == [("discord.gg/abc", "Best server", rep)]
        assert answer["type"] == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and answer["data"]["flags"] == 64
        assert len(fake_discord.calls_to(CALLBACK)) == 2


async def test_deferred_command_with_followup_and_edit(fake_discord: FakeDiscord, results: list) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    staff = w.add_role(guild, "staff")
    user = w.add_member(guild).user_id
    target = w.add_member(guild, roles=[staff]).user_id
    client, tree = await start_with_tree(fake_discord, results)
    async with running(client, w.token):
        await tree.sync()
        it = await fake_discord.slash_command(
            "ppartner", subcommand="check", user=user, guild=guild, options={"member": target, "note": "x"}
        )
        await it.wait_response()
        await eventually(lambda: len(it.followup_ids) == 1 and w.messages[it.original_message_id].content == "done")

    assert results == [(target, [guild.id, staff.id], "x")]  # @everyone + resolved roles
    assert it.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    followup = w.messages[it.followup_ids[0]]
    assert followup.content == f"<@{target}> checked @everyone" and followup.pings_nobody
    assert fake_discord.calls.last("POST /webhooks/{webhook_id}/{webhook_token}").query["wait"] == "1"
    assert fake_discord.calls.last("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original").status == 200


async def test_button_click_updates_the_message(fake_discord: FakeDiscord, results: list) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    reviewer = w.add_member(guild).user_id
    channel_id = w.guild_channels(guild)[0].id
    client, _ = await start_with_tree(fake_discord, results)
    async with running(client, w.token):
        sent = await client.get_channel(channel_id).send("Application #1", view=ReviewView())
        stored = w.messages[sent.id]
        assert stored.components[0]["components"][0]["custom_id"] == "review:accept"

        it = await fake_discord.button_click(stored, "review:accept", user=reviewer)
        response = await it.wait_response()
    assert response["type"] == CallbackType.UPDATE_MESSAGE
    assert stored.content == f"Accepted by {reviewer}" and stored.components == []


async def test_late_or_double_callbacks_fail_like_discord(fake_discord: FakeDiscord) -> None:
    w = fake_discord.world
    guild = w.add_guild("home")
    user = w.add_member(guild).user_id
    client = discord.AutoShardedClient(intents=build_intents(), shard_count=1, guild_ready_timeout=0.05)
    client.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    got: list[discord.Interaction] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        got.append(interaction)

    client.on_interaction = on_interaction  # type: ignore[attr-defined]
    async with running(client, w.token):
        await fake_discord.slash_command("anything", user=user, guild=guild)
        await eventually(lambda: got)
        await got[0].response.send_message("first")
        with pytest.raises(discord.HTTPException) as err:
            await client.http.request(
                discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=got[0].id, t=got[0].token),
                json={"type": 4, "data": {"content": "second"}},
            )
        assert err.value.code == ErrorCode.INTERACTION_ALREADY_ACKNOWLEDGED

        w.interaction_deadline = 0
        await fake_discord.slash_command("anything", user=user, guild=guild)
        await eventually(lambda: len(got) == 2)
        with pytest.raises(discord.NotFound) as err2:
            await got[1].response.send_message("too late")
        assert err2.value.code == ErrorCode.UNKNOWN_INTERACTION


async def test_dm_interaction_goes_to_shard_zero(fake_discord: FakeDiscord, connect) -> None:
    w = fake_discord.world
    for s in range(2):
        w.add_guild(f"g{s}", shard=s, shard_count=2)
    user = w.add_user("rep")
    client = await connect(shard_count=2)
    got: list[discord.Interaction] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        got.append(interaction)

    client.on_interaction = on_interaction  # type: ignore[attr-defined]
    it = await fake_discord.slash_command("ppartner", subcommand="apply", user=user)
    await eventually(lambda: got)
    assert got[0].guild_id is None and got[0].user.id == user.id
    assert [d.shard_id for d in fake_discord.gateway.log if d.event == "INTERACTION_CREATE"] == [0]
    assert it.payload["context"] == 1
