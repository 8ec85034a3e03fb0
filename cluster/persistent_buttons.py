"""Persistent buttons: a ``discord.ui.DynamicItem`` whose custom_id carries everything a click needs,
registered with ``bot.add_dynamic_items`` (``CommandCog.dynamic_items``), so a click on a message
posted before any node restarted still works.

A subclass gives its own ``template`` (the custom_id's pattern with named groups), builds itself from
a match (``from_match``), and names the cog method its click runs (``handler``: ``(cog name, method)``,
called as ``method(interaction, button)``), or overrides ``callback`` to answer by itself.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):  # the base matches nothing
    handler: ClassVar[tuple[str, str]]

    def __init__(self, label: str, custom_id: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> Self:
        return cls.from_match(match)

    async def callback(self, interaction: discord.Interaction) -> Any:
        cog_name, method = self.handler
        cog = interaction.client.get_cog(cog_name)  # type: ignore[attr-defined]
        if cog is not None:  # the feature is unloaded: the click is not answered, as for any unknown button
            await getattr(cog, method)(interaction, self)


def persistent_view(*buttons: discord.ui.Item) -> discord.ui.View:
    """A view that never times out (its buttons outlive the process that sent them)."""
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view
