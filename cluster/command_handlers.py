"""How a cog carries out the api's commands: mark a method ``@command_handler("showcase.post")``.

The bot collects a cog's marked methods when the cog is added and drops them when it is removed
(``PartnersBot.add_cog`` / ``remove_cog``), the way ``commands.Cog.listener`` works for gateway events::

    class Showcase(commands.Cog):
        @command_handler("showcase.post")
        async def on_showcase_post(self, env: Envelope) -> dict[str, Any]:
            ...  # return the ids of what was made (command.completed's result), or raise

A handler returns a result dict, raises ``CommandRefused`` for a command that cannot apply, or lets
Discord's exception propagate: ``cluster.command_runner`` turns each into one ``command.completed``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from cluster.command_runner import CommandHandler

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
