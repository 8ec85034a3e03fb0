"""Discord's JSON error codes the cluster acts on, named once
(https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes)."""

from __future__ import annotations

from enum import IntEnum

import discord

from bus.contracts.common import CommandErrorCode


class DiscordError(IntEnum):
    UNKNOWN_GUILD = 10004
    UNKNOWN_CHANNEL = 10003
    UNKNOWN_MEMBER = 10007
    UNKNOWN_MESSAGE = 10008
    UNKNOWN_ROLE = 10011
    UNKNOWN_USER = 10013
    UNKNOWN_WEBHOOK = 10015
    UNKNOWN_INTERACTION = 10062  # the interaction token expired
    MISSING_ACCESS = 50001
    CANNOT_DM = 50007  # the user does not accept DMs from the bot
    MISSING_PERMISSIONS = 50013


# What each means for a command, as command.completed's error_code.
COMMAND_ERRORS: dict[int, CommandErrorCode] = {
    DiscordError.MISSING_PERMISSIONS: CommandErrorCode.MISSING_PERMISSIONS,
    DiscordError.MISSING_ACCESS: CommandErrorCode.MISSING_PERMISSIONS,
    DiscordError.CANNOT_DM: CommandErrorCode.FORBIDDEN_DM,
    DiscordError.UNKNOWN_CHANNEL: CommandErrorCode.UNKNOWN_CHANNEL,
    DiscordError.UNKNOWN_MESSAGE: CommandErrorCode.UNKNOWN_MESSAGE,
    DiscordError.UNKNOWN_ROLE: CommandErrorCode.UNKNOWN_ROLE,
    DiscordError.UNKNOWN_MEMBER: CommandErrorCode.UNKNOWN_MEMBER,
    DiscordError.UNKNOWN_USER: CommandErrorCode.UNKNOWN_MEMBER,
    DiscordError.UNKNOWN_GUILD: CommandErrorCode.GUILD_UNAVAILABLE,
    DiscordError.UNKNOWN_INTERACTION: CommandErrorCode.NOT_FOUND,
    DiscordError.UNKNOWN_WEBHOOK: CommandErrorCode.NOT_FOUND,
}


def is_code(exc: BaseException, *codes: DiscordError) -> bool:
    """Whether ``exc`` is a Discord refusal carrying one of ``codes``."""
    return isinstance(exc, discord.HTTPException) and exc.code in codes
