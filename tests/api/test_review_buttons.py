"""Review by buttons (review.button) and by reactions: only a manager's decision counts, the clicker
is always answered, and a denial's reason reaches the applicant."""

from __future__ import annotations

from api.domain.models import ReviewPost
from api.graphql.ids import from_global_id
from bus import Envelope
from tests.api.factories import GUILD, OTHER_GUILD, next_user_id, submitted

MANAGER_ROLE = 777
MANAGE_GUILD = 1 << 5
REPLY = {"application_id": "99", "token": "tok"}
APPS = """query($g: Snowflake!) { guild(id: $g) {
  limits { pendingCount activeCount blacklistCount }
  applications(first: 5) { edges { node { id status reason decidedBy } } } } }"""


def click(app_id: str, decision: str, *, manager: bool, reason: str | None = None, blacklist: bool = False,
          guild: int = GUILD, user: int = 4343) -> Envelope:  # fmt: skip
    data = {
        "application_id": app_id,
        "channel_id": "222",
        "message_id": "333",
        "user_id": str(user),
        "user_name": "Sam",
        "decision": decision,
        "blacklist": blacklist,
        "reason": reason,
        "member_role_ids": [str(MANAGER_ROLE)] if manager else ["1"],
        "member_permissions": 0,
        "is_owner": False,
        "reply": REPLY,
    }
    return Envelope.new("review.button", guild, data)


async def _submitted(worker, container, api) -> tuple[str, int]:
    await container.guild_settings.update(
        GUILD, {"review_style": "BUTTONS", "manager_role_ids": [MANAGER_ROLE], "review_channel_id": 222}
    )
    rep = next_user_id()
    await worker.handle(submitted(representative_id=rep, name="Board Games"))
    node = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]
    return node["id"], rep


def _raw(global_id: str) -> str:
    return from_global_id(global_id)[1]


def followups(commands) -> list[str]:
    return [c.data["content"] for c in commands.of("interaction.followup")]


async def test_buttons_style_posts_the_review_with_buttons(api, worker, container, commands):
    await _submitted(worker, container, api)
    assert (await commands.wait_for("review.post"))[0].data["buttons"] is True


async def test_a_non_manager_click_is_refused_and_changes_nothing(api, worker, container, commands):
    app_id, _ = await _submitted(worker, container, api)
    await worker.handle(click(_raw(app_id), "APPROVE", manager=False))
    await worker.handle(click(_raw(app_id), "DENY", manager=True, guild=OTHER_GUILD))  # not this guild's
    await commands.wait_for("interaction.followup", 2)
    assert followups(commands) == [
        "Only partnership managers can decide on applications; nothing was changed.",
        "This application no longer exists.",
    ]
    guild = (await api.data(APPS, {"g": str(GUILD)}))["guild"]
    assert guild["limits"]["pendingCount"] == 1 and guild["applications"]["edges"][0]["node"]["status"] == "PENDING"


async def test_a_manager_denies_with_a_reason_the_applicant_is_told(api, worker, container, commands):
    app_id, rep = await _submitted(worker, container, api)
    await worker.handle(click(_raw(app_id), "DENY", manager=True, reason="Too small for us", blacklist=True))
    node = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]
    assert (node["status"], node["reason"], node["decidedBy"]) == ("DENIED", "Too small for us", "4343")
    assert (await api.data(APPS, {"g": str(GUILD)}))["guild"]["limits"]["blacklistCount"] == 1
    dms = await commands.wait_for("dm.send", 2)
    assert dms[-1].data["user_id"] == str(rep) and "Too small for us" in dms[-1].data["content"]
    assert followups(commands) == ["Denied and blacklisted **Board Games**; the applicant is told the reason."]

    await worker.handle(click(_raw(app_id), "APPROVE", manager=True))  # a late click on the old post
    await commands.wait_for("interaction.followup", 2)
    assert followups(commands)[-1] == "This application was already decided (denied)."


async def test_a_manager_approves_by_button(api, worker, container, commands):
    app_id, _ = await _submitted(worker, container, api)
    await worker.handle(click(_raw(app_id), "APPROVE", manager=True))
    node = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]
    assert node["status"] == "APPROVED"
    assert followups(commands) == ["Approved **Board Games**."]


async def test_a_thumbs_down_records_who_denied_in_discord(api, worker, container, commands):
    await container.guild_settings.update(GUILD, {"review_channel_id": 222})
    await worker.handle(submitted(name="Quiet Corner"))
    app_id = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]["id"]
    await container.application_repo.set_review(_raw(app_id), ReviewPost(222, 333))
    reaction = {
        "channel_id": "222", "message_id": "333", "user_id": "4343", "emoji": "👎", "member_role_ids": [],
        "member_permissions": MANAGE_GUILD, "is_owner": False, "user_name": "Sam",
    }  # fmt: skip
    await worker.handle(Envelope.new("review.reaction", GUILD, reaction))
    node = (await api.data(APPS, {"g": str(GUILD)}))["guild"]["applications"]["edges"][0]["node"]
    assert (node["status"], node["reason"]) == ("DENIED", "denied in Discord by Sam")
