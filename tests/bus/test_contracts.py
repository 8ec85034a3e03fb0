"""Message contracts: the two fixed events exactly as DESIGN.md, the registry and parse()."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bus.contracts as c
from bus import Envelope, MalformedMessage, command_completed, parse, parse_as

README = Path(__file__).resolve().parents[2] / "bus" / "README.md"

SUBMITTED = {
    "source": "DM",
    "representative_id": "80351110224678912",
    "advertisement": "Join **Cozy Corner**!",
    "partner": {
        "id": "175928847299117063",
        "name": "Cozy Corner",
        "icon_url": None,
        "member_count": 1234,
        "invite_code": "abc",
    },
    "reply": {"application_id": "1100000000000000001", "token": "tok"},
    "ticket_channel_id": None,
}
JOINED = {
    "user_id": "80351110224678912",
    "invite_code": None,
    "join_type": "AMBIGUOUS",
    "candidates": ["abc", "def"],
    "joined_at": "2025-01-31T12:00:00Z",
    "account_created_at": "2016-01-01T00:00:00Z",
    "bot": False,
}


def env(type_: str, data: dict, version: int = 1) -> Envelope:
    return Envelope(type=type_, version=version, guild_id="175928847299117063", data=data)


def test_application_submitted_exactly_as_designed() -> None:
    data = parse(env("application.submitted", SUBMITTED))
    assert isinstance(data, c.ApplicationSubmitted)
    assert data.source is c.ApplicationSource.DM
    assert data.partner.member_count == 1234
    assert data.model_dump(mode="json") == SUBMITTED
    assert {s.value for s in c.ApplicationSource} == {"SLASH", "PANEL", "TICKET", "DM", "MUTUAL"}


def test_member_joined_exactly_as_designed() -> None:
    data = parse_as(env("member.joined", JOINED), c.MemberJoined)
    assert data.join_type is c.JoinType.AMBIGUOUS
    assert data.joined_at == datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert data.model_dump(mode="json") == JOINED
    assert {j.value for j in c.JoinType} == {"INVITE", "VANITY", "UNKNOWN", "AMBIGUOUS"}


def test_snowflakes_are_strings_on_the_wire() -> None:
    body = dict(JOINED, user_id=80351110224678912)
    wire = json.loads(Envelope.new("member.joined", 1, body).to_json())
    assert wire["data"]["user_id"] == "80351110224678912"


@pytest.mark.parametrize(
    ("type_", "version", "data", "reason"),
    [
        ("member.renamed", 1, {}, "unknown message type 'member.renamed'"),
        ("member.joined", 2, JOINED, "unsupported version 2 of 'member.joined' \\(known: 1\\)"),
        ("member.joined", 1, {k: v for k, v in JOINED.items() if k != "bot"}, "bot: Field required"),
        ("member.joined", 1, dict(JOINED, join_type="GUESSED"), "join_type"),
        ("member.joined", 1, dict(JOINED, user_id="0"), "user_id"),
        (
            "review.reaction",
            1,
            {
                "channel_id": "1",
                "message_id": "2",
                "user_id": "3",
                "emoji": "🎉",
                "member_permissions": 8,
                "is_owner": False,
            },
            "emoji",
        ),
    ],
)
def test_parse_refuses_with_a_reason(type_: str, version: int, data: dict, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason) as info:
        parse(env(type_, data, version))
    assert re.search(reason, info.value.reason)


def test_parse_checks_the_kind() -> None:
    cmd = Envelope.new("panel.post", 1, {"channel_id": 5})
    assert parse(cmd, kind=c.Kind.COMMAND).channel_id == "5"
    with pytest.raises(MalformedMessage, match="where event messages are expected"):
        parse(cmd, kind=c.Kind.EVENT)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    data = parse(env("member.joined", dict(JOINED, rejoin_count=3)))
    assert "rejoin_count" not in data.model_dump()


def test_command_completed_needs_a_code_on_failure() -> None:
    base = {"command_id": "x", "command_type": "dm.send"}
    with pytest.raises(MalformedMessage, match="error_code"):
        parse(env("command.completed", dict(base, ok=False)))
    with pytest.raises(MalformedMessage, match="no error_code"):
        parse(env("command.completed", dict(base, ok=True, error_code="HTTP_ERROR")))
    # A code this api version does not know still parses (plain string, not an enum).
    parse(env("command.completed", dict(base, ok=False, error_code="SOMETHING_NEW")))


def test_shard_ready_is_a_node_level_event() -> None:
    ready = Envelope.new("shard.ready", c.NODE_GUILD_ID, c.ShardReady(shard_id=3, shard_count=4, guild_ids=[1, 2]))
    assert ready.guild_id == "0"
    with pytest.raises(MalformedMessage, match="below shard_count"):
        parse(env("shard.ready", {"shard_id": 4, "shard_count": 4}))


def test_command_completed_echoes_the_commands_refs() -> None:
    cmd = Envelope.new(
        "showcase.post",
        175928847299117063,
        c.ShowcasePost(
            partnership_id="p1",
            channel_mode="SINGLE_CHANNEL",
            target_id=9,
            advertisement="ad",
            partner=c.PartnerServer(id=5, name="P", invite_code="abc"),
        ),
    )
    done = command_completed(cmd, result={"channel_id": "9", "message_id": "10"})
    data = parse_as(done, c.CommandCompleted)
    assert done.guild_id == cmd.guild_id
    assert (data.command_id, data.command_type, data.ok) == (cmd.id, "showcase.post", True)
    assert data.refs == c.CommandRefs(partnership_id="p1")

    dm = Envelope.new("dm.send", 1, c.DmSend(user_id=2, content="hi", refs={"application_id": "a1"}))
    failed = parse_as(
        command_completed(dm, ok=False, error_code=c.CommandErrorCode.FORBIDDEN_DM, error="DMs closed"),
        c.CommandCompleted,
    )
    assert (failed.ok, failed.error_code, failed.refs.application_id) == (False, "FORBIDDEN_DM", "a1")

    review = Envelope.new(
        "review.post",
        1,
        c.ReviewPost(
            application_id="a2",
            channel_id=3,
            representative_id=4,
            advertisement="ad",
            source="SLASH",
            partner=c.PartnerServer(id=5, name="P", invite_code="abc"),
        ),
    )
    assert parse_as(command_completed(review), c.CommandCompleted).refs.application_id == "a2"


def test_dm_send_takes_an_optional_button_and_older_bodies_still_parse() -> None:
    # The fields before the button, exactly as older producers send them: still valid, no button.
    older = {"user_id": "2", "content": "hi", "messages": [], "refs": {"application_id": None, "partnership_id": "p"}}
    assert parse(Envelope.new("dm.send", 1, older)).button is None
    with_button = dict(older, button="STOP_BUMP_REMINDERS")
    cmd = parse_as(Envelope.new("dm.send", 1, with_button), c.DmSend)
    assert cmd.button is c.DmButton.STOP_BUMP_REMINDERS
    assert cmd.model_dump(mode="json") == with_button
    with pytest.raises(MalformedMessage, match="button"):
        parse(Envelope.new("dm.send", 1, dict(older, button="SELF_DESTRUCT")))


def test_a_stop_reminders_click_is_a_representative_event() -> None:
    data = {"user_id": "80351110224678912", "reply": {"application_id": "1100000000000000001", "token": "tok"}}
    click = parse_as(env("representative.bump_reminders_off", data), c.RepresentativeBumpRemindersOff)
    assert click.model_dump(mode="json") == data
    assert c.RepresentativeBumpRemindersOff.KIND is c.Kind.EVENT and c.RepresentativeBumpRemindersOff.VERSION == 1
    with pytest.raises(MalformedMessage, match="reply"):
        parse(env("representative.bump_reminders_off", {"user_id": "1"}))


def test_every_contract_is_documented_and_listed_in_the_readme() -> None:
    readme = README.read_text()
    kinds = set()
    for contract in c.registered():
        kinds.add(contract.kind)
        assert contract.model.__doc__ and len(contract.model.__doc__.strip()) > 20, contract.type
        assert f"`{contract.type}`" in readme, f"{contract.type} missing from bus/README.md"
    assert kinds == set(c.Kind)


def test_register_refuses_duplicates_and_kind_changes() -> None:
    with pytest.raises(ValueError, match="already registered"):
        c.register("member.joined", kind=c.Kind.EVENT)(c.MemberJoined)
    with pytest.raises(ValueError, match="another kind"):
        c.register("member.joined", kind=c.Kind.COMMAND, version=2)(c.MemberJoined)
