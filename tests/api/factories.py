"""Builders of realistic test inputs (envelopes as the cluster sends them), shared by the API tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from bus import Envelope

GUILD = 1100000000000000000
OTHER_GUILD = 1100000000000000777
_partner_ids = itertools.count(1200000000000000000, 4194304 * 3)
_user_ids = itertools.count(1300000000000000000)


def next_partner_id() -> int:
    return next(_partner_ids)


def next_user_id() -> int:
    return next(_user_ids)


def submitted(
    guild_id: int = GUILD,
    *,
    partner_id: int | None = None,
    representative_id: int | None = None,
    name: str | None = None,
    members: int | None = 5000,
    source: str = "SLASH",
    advertisement: str = "Join our friendly server: events every week!",
    reply: dict[str, Any] | None = None,
    ticket_channel_id: int | None = None,
    envelope_id: str | None = None,
) -> Envelope:
    partner_id = partner_id or next_partner_id()
    data = {
        "source": source,
        "representative_id": str(representative_id or next_user_id()),
        "advertisement": advertisement,
        "partner": {
            "id": str(partner_id),
            "name": name or f"Server {partner_id % 100000}",
            "icon_url": None,
            "member_count": members,
            "invite_code": f"inv{partner_id % 10**8}",
        },
        "reply": reply,
        "ticket_channel_id": str(ticket_channel_id) if ticket_channel_id else None,
    }
    return Envelope.new("application.submitted", guild_id, data, id=envelope_id)


def joined(
    guild_id: int, invite_code: str | None, *, user_id: int | None = None, join_type: str = "INVITE", **extra
) -> Envelope:
    now = extra.pop("joined_at", None) or datetime.now(UTC)
    data = {
        "user_id": str(user_id or next_user_id()),
        "invite_code": invite_code,
        "join_type": join_type,
        "candidates": extra.pop("candidates", []),
        "joined_at": now.isoformat(),
        "account_created_at": (extra.pop("account_created_at", None) or now).isoformat(),
        "bot": extra.pop("bot", False),
    }
    return Envelope.new("member.joined", guild_id, data, **extra)


def left(guild_id: int, user_id: int, left_at: datetime | None = None) -> Envelope:
    at = left_at or datetime.now(UTC)
    return Envelope.new("member.left", guild_id, {"user_id": str(user_id), "left_at": at.isoformat()})


def completed(guild_id: int, command_type: str, *, ok: bool = True, refs: dict | None = None, result: dict | None = None,
              error_code: str | None = None, error: str | None = None) -> Envelope:  # fmt: skip
    data = {
        "command_id": "00000000-0000-4000-8000-000000000000",
        "command_type": command_type,
        "ok": ok,
        "error_code": error_code,
        "error": error,
        "refs": refs or {},
        "result": result or {},
    }
    return Envelope.new("command.completed", guild_id, data)


async def manual_partnership(
    container: Any,
    guild_id: int | str = GUILD,
    *,
    partner_guild_id: int | str = "1234500000000000000",
    name: str = "Chess",
    representative_id: int | str = "1300000000000000001",
    tracked: str | None = None,
) -> Any:
    """A partnership staff added by hand; with `tracked`, its tracked invite already made (the command
    outcome is not involved)."""
    from api.services.partnerships import ManualPartner  # the services import slower than this module

    partnership = await container.partnerships.create_manual(
        ManualPartner.parse(guild_id=guild_id, partner_guild_id=partner_guild_id, partner_name=name,
                            invite_code="chess", representative_id=representative_id, advertisement="ad"),
        actor=1,
    )  # fmt: skip
    if tracked is not None:
        await container.partnerships.tracked_invite_created(partnership.id, tracked)
    return partnership
