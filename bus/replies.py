"""Building the command.completed event that answers a command (used by the cluster)."""

from __future__ import annotations

from typing import Any

from bus.contracts.commands import Command
from bus.contracts.events import CommandCompleted
from bus.contracts.parsing import parse
from bus.envelope import Envelope


def command_completed(
    command: Envelope,
    *,
    ok: bool = True,
    error_code: str | None = None,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> Envelope:
    """The command.completed envelope for a command, same guild, refs copied from the command.

    command_completed(cmd, result={"channel_id": ..., "message_id": ...}) on success;
    command_completed(cmd, ok=False, error_code=CommandErrorCode.FORBIDDEN_DM, error="...") on failure.
    """
    body = parse(command)
    refs = body.command_refs() if isinstance(body, Command) else None
    data = CommandCompleted(
        command_id=command.id,
        command_type=command.type,
        ok=ok,
        error_code=None if error_code is None else str(error_code),
        error=error,
        refs=refs if refs is not None else {},
        result=result or {},
    )
    return Envelope.new("command.completed", command.guild_id, data)
