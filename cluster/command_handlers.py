"""How a cog carries out the api's commands: mark a method ``@command_handler("showcase.post")``.

The bot collects a cog's marked methods when the cog is added and drops them when it is removed
(``PartnersBot.add_cog`` / ``remove_cog``), the way ``commands.Cog.listener`` works for gateway events::

    class Showcase(commands.Cog):
        @command_handler("showcase.post")
        async def on_showcase_post(self, env: Envelope) -> dict[str, Any]:
            ...  # return the ids of what was made (command.completed's result), or raise

A handler returns a result dict, raises ``CommandRefused`` for a command that cannot apply, or lets
Discord's exception propagate: ``cluster.command_runner`` turns each into one ``command.completed``.

A feature cog subclasses ``CommandCog``, which holds what every such cog starts with: the bot, the
bot's guild warnings, the guild a command is for, and its persistent buttons registered while loaded.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import discord
from discord.ext import commands

from bus import Envelope
from cluster.command_runner import CommandHandler
from cluster.discord_helpers import guild_or_refuse

if TYPE_CHECKING:
    from cluster.bot import PartnersBot

_MARK = "__partners_command_types__"

Method = TypeVar("Method", bound=Callable[..., Any])


def command_handler(command_type: str) -> Callable[[Method], Method]:
    """Mark a cog's coroutine method as the handler of ``command_type`` (one handler per type per node)."""

    def mark(method: Method) -> Method:
        if not inspect.iscoroutinefunction(method):
            raise TypeError(f"the handler of {command_type!r} must be an async method")
        setattr(method, _MARK, (*getattr(method, _MARK, ()), command_type))
        return method

    return mark


def command_handlers_of(cog: object) -> dict[str, CommandHandler]:
    """The handlers ``cog`` declares, bound to it, by command type."""
    found: dict[str, CommandHandler] = {}
    seen: set[str] = set()
    for klass in type(cog).__mro__:  # most derived first: an override replaces its base's handler
        for name, value in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            for command_type in getattr(value, _MARK, ()):
                if command_type in found:
                    raise ValueError(f"{type(cog).__name__} handles {command_type!r} twice")
                found[command_type] = getattr(cog, name)
    return found


class CommandCog(commands.Cog):
    """The start every feature cog shares (see ``cluster/cogs/__init__.py``)."""

    # Persistent components (discord.ui.DynamicItem): registered while the cog is loaded, so a click on a
    # message posted before a restart still reaches the cog.
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = ()

    def __init__(self, bot: PartnersBot) -> None:
        self.bot = bot
        self.warnings = bot.guild_warnings  # setup problems staff must fix (cluster.guild_warnings)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.dynamic_items)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.dynamic_items)

    def guild_of(self, env: Envelope) -> discord.Guild:
        """The guild a command is for, or a plain-words refusal (``discord_helpers.guild_or_refuse``)."""
        return guild_or_refuse(self.bot, env.guild_id)
