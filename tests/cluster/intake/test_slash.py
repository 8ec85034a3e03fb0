"""/ppartner apply in SLASH mode: the form, its submission, refusals, and the api's follow-up."""

from __future__ import annotations

import pytest

from cluster.bus_link import LocalBus
from tests.fakediscord import FakeDiscord, eventually
from tests.fakediscord.world import iter_components

from .conftest import PARTNER_CODE, PARTNER_MEMBERS, Home, command, configure, final_answer, open_form

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK = "POST /webhooks/{webhook_id}/{webhook_token}"


async def test_apply_opens_the_form_and_a_submission_is_published_once(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home
) -> None:
    w = fake_discord.world

    it = await open_form(fake_discord, home)
    modal = it.modal
    assert modal["custom_id"] == "partners:apply:SLASH"
    inputs = {c["custom_id"]: c for c in iter_components(modal["components"]) if c.get("type") == 4}
    assert set(inputs) == {"invite", "advertisement"}
    assert inputs["advertisement"]["style"] == 2 and inputs["advertisement"]["max_length"] == 2000

    submit = await fake_discord.modal_submit(
        it, {"invite": f"https://discord.gg/{PARTNER_CODE}", "advertisement": "  The best server.\nCome!  "}
    )
    ack = await submit.wait_response()
    assert ack["type"] == 5 and ack["data"]["flags"] == 64  # at once: ephemeral "thinking"
    assert await final_answer(fake_discord, submit) == "Checking your application for **Partner Place**…"

    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.guild_id == str(home.guild.id)
    assert event.data == {
        "source": "SLASH",
        "representative_id": str(home.rep),
        "advertisement": "The best server.\nCome!",
        "partner": {
            "id": str(home.partner.id),
            "name": "Partner Place",
            "icon_url": f"https://cdn.discordapp.com/icons/{home.partner.id}/abcdef.png?size=1024",
            "member_count": PARTNER_MEMBERS,
            "invite_code": PARTNER_CODE,
        },
        "reply": {"application_id": str(w.application_id), "token": submit.token},
        "ticket_channel_id": None,
        # v2: the applicant as the dashboard shows them (a user with no avatar has Discord's default one)
        "representative_name": "rep",
        "representative_avatar_url": f"https://cdn.discordapp.com/embed/avatars/{(home.rep >> 22) % 6}.png",
    }
    assert event.version == 2
    assert len(fake_discord.calls_to("GET /invites/{invite_code}", invite_code=PARTNER_CODE)) == 1
    assert fake_discord.calls.last("GET /invites/{invite_code}").query["with_counts"] == "1"

    # the api answers through interaction.followup: an ephemeral follow-up on the interaction webhook
    done = await command(
        bus,
        bot,
        home.guild,
        "interaction.followup",
        {"application_id": str(w.application_id), "token": submit.token, "content": "Your application is queued."},
    )
    call = fake_discord.calls.last(WEBHOOK)
    assert call.params["webhook_id"] == w.application_id and call.params["webhook_token"] == submit.token
    assert call.json["flags"] == 64 and call.json["allowed_mentions"] == {"parse": []}
    (followup_id,) = submit.followup_ids
    assert w.messages[followup_id].ephemeral and w.messages[followup_id].content == "Your application is queued."
    assert done["ok"] is True and done["result"] == {"message_id": str(followup_id)}


async def test_an_expired_token_is_reported_not_retried(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home
) -> None:
    data = {"application_id": str(fake_discord.world.application_id), "token": "gone", "content": "Hello"}
    done = await command(bus, bot, home.guild, "interaction.followup", data)
    assert done["ok"] is False and done["error_code"] == "NOT_FOUND"


@pytest.mark.usefixtures("bot")
async def test_bad_invites_are_refused_in_plain_words_and_nothing_is_published(
    fake_discord: FakeDiscord, bus: LocalBus, home: Home
) -> None:
    w = fake_discord.world
    w.add_invite(home.guild, code="ourown")
    w.add_invite(home.partner, code="shortlived", max_age=60)
    w.advance(120)

    answers = {}
    for typed in ("not an invite!", "https://discord.gg/nosuchcode", "discord.gg/shortlived", "ourown"):
        it = await open_form(fake_discord, home)
        submit = await fake_discord.modal_submit(it, {"invite": typed, "advertisement": "ad"})
        answers[typed] = await final_answer(fake_discord, submit)

    assert answers["not an invite!"].startswith("That does not look like a Discord invite.")
    assert answers["https://discord.gg/nosuchcode"].startswith("That invite is invalid or has expired.")
    assert answers["discord.gg/shortlived"].startswith("That invite is invalid or has expired.")
    assert answers["ourown"] == "That invite is for this server. Paste an invite to your own server."
    assert bus.events("application.submitted") == []
    # a malformed one never reaches Discord
    assert [c.params["invite_code"] for c in fake_discord.calls_to("GET /invites/{invite_code}")] == [
        "nosuchcode",
        "shortlived",
        "ourown",
    ]


async def test_manual_mode_refuses_politely_without_a_form(
    fake_discord: FakeDiscord, bus: LocalBus, bot, home: Home
) -> None:
    await configure(bus, bot, home.guild, application_mode="MANUAL")

    it = await fake_discord.slash_command("ppartner", subcommand="apply", user=home.rep, guild=home.guild)
    response = await it.wait_response()

    assert response["type"] == 4 and response["data"]["flags"] == 64
    assert response["data"]["content"] == "This server adds partners by hand; ask its staff."
    assert it.modal is None and bus.events("application.submitted") == []
    assert len(fake_discord.calls_to(CALLBACK)) == 1


async def test_a_form_opened_before_a_restart_is_still_taken(fake_discord: FakeDiscord, start_node, home: Home) -> None:
    first = await start_node()
    it = await open_form(fake_discord, home)
    await first.close()

    bus = LocalBus()
    await start_node(bus=bus)
    submit = await fake_discord.modal_submit(it, {"invite": PARTNER_CODE, "advertisement": "Hello"})
    await final_answer(fake_discord, submit, "Checking")
    # published right after that answer is sent, so it may arrive a moment after the answer shows
    (event,) = await eventually(lambda: bus.events("application.submitted"))
    assert event.data["source"] == "SLASH" and event.data["partner"]["id"] == str(home.partner.id)
