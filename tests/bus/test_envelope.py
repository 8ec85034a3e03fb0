"""The envelope: fields, validation and JSON form exactly as DESIGN.md states them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from bus import Envelope, MalformedMessage
from bus.contracts import NODE_GUILD_ID, MemberLeft


def test_json_form_matches_the_design() -> None:
    env = Envelope.new(
        "member.left",
        175928847299117063,
        MemberLeft(user_id=80351110224678912, left_at=datetime(2025, 1, 31, 12, tzinfo=UTC)),
    )
    body = json.loads(env.to_json())
    assert list(body) == ["id", "type", "version", "guild_id", "occurred_at", "data"]
    assert uuid.UUID(body["id"]).version == 4
    assert body["type"] == "member.left"
    assert body["version"] == 1
    assert body["guild_id"] == "175928847299117063"
    assert body["occurred_at"].endswith("Z")
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert body["data"] == {"user_id": "80351110224678912", "left_at": "2025-01-31T12:00:00Z"}


def test_round_trip() -> None:
    env = Envelope.new("member.left", "42", {"user_id": "7", "left_at": "2025-01-31T12:00:00Z"})
    back = Envelope.from_json(env.to_json())
    assert back == env
    assert back.occurred_at.tzinfo is not None


def test_occurred_at_is_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    env = Envelope.new(
        "member.left",
        42,
        {"user_id": "7", "left_at": datetime.now(UTC)},
        occurred_at=datetime(2025, 1, 31, 13, tzinfo=paris),
    )
    assert env.occurred_at == datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert env.occurred_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("guild_id", [1, "1", 2**64 - 1, str(2**64 - 1), "0", 0])
def test_guild_ids_accepted(guild_id: int | str) -> None:
    env = Envelope(type="member.left", guild_id=guild_id, data={})
    assert env.guild_id == str(int(guild_id))


def test_node_level_guild_id() -> None:
    assert Envelope(type="shard.ready", guild_id=NODE_GUILD_ID).guild_id == "0"


@pytest.mark.parametrize("guild_id", [-1, 2**64, str(2**64), "abc", "", "1.5", " 12", "+12", "١٢", True, 1.0, None])
def test_guild_ids_refused(guild_id: object) -> None:
    with pytest.raises(ValidationError):
        Envelope(type="member.left", guild_id=guild_id, data={})


@pytest.mark.parametrize("type_", ["member", "Member.joined", "member..joined", "member.joined.", "1x.y", ""])
def test_type_must_be_dotted(type_: str) -> None:
    with pytest.raises(ValidationError):
        Envelope(type=type_, guild_id=1)


def test_id_must_be_a_uuid() -> None:
    with pytest.raises(ValidationError):
        Envelope(id="not-a-uuid", type="a.b", guild_id=1)
    upper = str(uuid.uuid4()).upper()
    assert Envelope(id=upper, type="a.b", guild_id=1).id == upper.lower()


def test_envelope_is_frozen() -> None:
    env = Envelope(type="a.b", guild_id=1)
    with pytest.raises(ValidationError):
        env.guild_id = "2"  # type: ignore[misc]


def test_new_refuses_a_body_of_another_type() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        Envelope.new("member.joined", 1, MemberLeft(user_id=1, left_at=datetime.now(UTC)))


def test_new_validates_a_dict_of_a_known_type() -> None:
    with pytest.raises(MalformedMessage, match="user_id"):
        Envelope.new("member.left", 1, {"left_at": "2025-01-01T00:00:00Z"})


def test_unknown_envelope_fields_are_ignored() -> None:
    body = Envelope.new("member.left", 1, {"user_id": 2, "left_at": "2025-01-01T00:00:00Z"}).model_dump(mode="json")
    body["trace_id"] = "abc"
    assert Envelope.from_json(json.dumps(body)).type == "member.left"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "bad envelope"),
        (b'{"type": "member.left", "data": {}}', "guild_id"),
        (b'{"type": "member.left", "guild_id": "1", "version": 0}', "version"),
    ],
)
def test_from_json_raises_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        Envelope.from_json(body)
