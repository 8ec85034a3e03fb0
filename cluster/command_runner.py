"""Carrying out commands from the api, and reporting each outcome back as `command.completed`.

A command handler returns a result dict (ids of what it created) or raises. Discord refusals that
retrying cannot fix (missing permission, deleted channel, closed DMs) become a failed
`command.completed` with a code and a plain-words reason, shown to staff by the api. Transient
failures (Discord 5xx, connection loss) propagate, so the bus redelivers the command later.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bus import Envelope, command_completed
from bus.contracts.common import CommandErrorCode
from cluster.discord_errors import COMMAND_ERRORS
from cluster.metrics import ClusterMetrics

log = logging.getLogger(__name__)

# A handler returns what it created (ids) for command.completed, or raises.
CommandHandler = Callable[[Envelope], Awaitable[dict[str, Any] | None]]

PLAIN = {
    CommandErrorCode.MISSING_PERMISSIONS: "the bot lacks a Discord permission for this",
    CommandErrorCode.FORBIDDEN_DM: "the user does not accept direct messages from the bot",
    CommandErrorCode.UNKNOWN_CHANNEL: "the channel no longer exists",
    CommandErrorCode.UNKNOWN_MESSAGE: "the message no longer exists",
    CommandErrorCode.UNKNOWN_ROLE: "the role no longer exists",
    CommandErrorCode.UNKNOWN_MEMBER: "the user is not in the server",
    CommandErrorCode.GUILD_UNAVAILABLE: "the bot is not in the server, or the server is unavailable",
    CommandErrorCode.NOT_FOUND: "Discord no longer knows the target (for an interaction: it expired)",
}
ACTION = {
    "review.post": "post the application for review",
    "review.update": "update the review post",
    "review.reaction.remove": "remove a reaction",
    "showcase.post": "post the advertisement in the showcase",
    "showcase.remove": "remove the advertisement from the showcase",
    "invite.create": "create the tracked invite",
    "role.grant": "grant the partner contact role",
    "role.revoke": "remove the partner contact role",
    "dm.send": "send a direct message",
    "interaction.followup": "answer the applicant",
    "ticket.close": "close the ticket",
    "panel.post": "post the application panel",
    "partnership.confirm.ask": "ask the representative to confirm the partnership",
    "log.post": "post in the log channel",
    "settings.sync": "apply the settings",
    "partner.check": "check the partner's invite",
    "staff.notify": "post a notice in the log channel",
}


class CommandRefused(Exception):
    """A command that cannot apply as given (e.g. the target is not a forum): reported, not retried."""

    def __init__(self, code: CommandErrorCode | str, message: str):
        super().__init__(message)
        self.code = str(code)
        self.message = message


def describe_failure(command_type: str, exc: discord.HTTPException) -> tuple[str, str]:
    code = COMMAND_ERRORS.get(exc.code) or (
        CommandErrorCode.NOT_FOUND if exc.status == 404 else CommandErrorCode.HTTP_ERROR
    )
    reason = PLAIN.get(code) or f"Discord answered {exc.status} {exc.text or ''}".strip()
    return str(code), f"Could not {ACTION.get(command_type, command_type)}: {reason}."


class CommandRunner:
    """Runs a handler for a command and publishes its outcome once.

    A redelivered command that already ran in this process (the ack was lost) is not run again: its
    recorded outcome is re-published, so an ad is never posted twice by one node."""

    def __init__(
        self,
        publish: Callable[[Envelope], Awaitable[None]],
        remember: int = 5000,
        metrics: ClusterMetrics | None = None,
    ):
        self._publish = publish
        self.metrics = metrics or ClusterMetrics()
        self._done: OrderedDict[str, Envelope] = OrderedDict()
        self._remember = remember

    async def run(self, env: Envelope, handler: CommandHandler) -> None:
        outcome = self._done.get(env.id)
        if outcome is None:
            with self.metrics.command(env) as record:  # counted by type and outcome, and timed
                outcome = await self._execute(env, handler)
                record(outcome)
            self._done[env.id] = outcome
            while len(self._done) > self._remember:
                self._done.popitem(last=False)
        await self._publish(outcome)

    async def _execute(self, env: Envelope, handler: CommandHandler) -> Envelope:
        try:
            result = await handler(env)
        except CommandRefused as refused:
            log.warning("guild %s: %s %s refused: %s", env.guild_id, env.type, env.id, refused.message)
            return command_completed(env, ok=False, error_code=refused.code, error=refused.message)
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise  # transient: let the bus redeliver
            code, reason = describe_failure(env.type, exc)
            log.warning("guild %s: %s %s failed: %s (%s)", env.guild_id, env.type, env.id, code, exc.text)
            return command_completed(env, ok=False, error_code=code, error=reason)
        return command_completed(env, ok=True, result=result or {})
