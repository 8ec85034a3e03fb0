"""The application form (a modal) and the two persistent buttons: the panel's "Apply for partnership"
and a ticket's "Fill in the application".

Nothing here holds state between a button click and the form's submission, so both survive a node
restart (a rolling deploy while an applicant types a 2,000-character ad loses nothing):
- the panel button has a fixed custom_id, registered once per process with ``bot.add_view``;
- the ticket button is a ``DynamicItem`` whose custom_id carries the applicant's id;
- the modal's custom_id names the source (``partners:apply:SLASH|PANEL|TICKET``) and its submission is
  handled by the cog from that custom_id (``on_interaction``), not by a Modal object kept in memory.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import discord

from bus.contracts.common import ApplicationSource
from cluster.intake import texts
from cluster.persistent_buttons import PersistentButton, persistent_view

MODAL_PREFIX = "partners:apply:"
PANEL_BUTTON_ID = "partners:panel:apply"
TICKET_BUTTON_TEMPLATE = r"partners:ticket:form:(?P<user_id>[0-9]{1,20})"
INVITE_FIELD = "invite"
AD_FIELD = "advertisement"
AD_MAX = 2000


def advertisement_input(label: str) -> discord.ui.TextInput:
    """The advertisement field of a form (paragraph, up to 2,000), read back as ``AD_FIELD``."""
    return discord.ui.TextInput(
        label=label,
        custom_id=AD_FIELD,
        style=discord.TextStyle.paragraph,
        placeholder="What members of this server will read about yours.",
        max_length=AD_MAX,
    )


class ApplicationForm(discord.ui.Modal):
    """Two fields: the partner server's invite and the advertisement (paragraph, up to 2,000)."""

    invite: discord.ui.TextInput = discord.ui.TextInput(
        label="Your server's invite link",
        custom_id=INVITE_FIELD,
        placeholder="https://discord.gg/abc123",
        min_length=2,
        max_length=200,
    )
    advertisement: discord.ui.TextInput = advertisement_input("Your advertisement")

    def __init__(self, source: ApplicationSource) -> None:
        super().__init__(title="Partnership application", custom_id=MODAL_PREFIX + source.value, timeout=None)
        # Stopped before it is sent: discord.py then does not keep it in its view store (where a fixed
        # custom_id would mix up two applicants' forms, and forms never submitted would pile up). The
        # cog handles the submission from the custom_id instead.
        self.stop()


def modal_source(custom_id: str | None) -> ApplicationSource | None:
    """The source of one of our application forms, from its submission's custom_id; None if not ours."""
    if not custom_id or not custom_id.startswith(MODAL_PREFIX):
        return None
    try:
        return ApplicationSource(custom_id[len(MODAL_PREFIX) :])
    except ValueError:
        return None


def _walk(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk(component.get("components") or [])
        if isinstance(component.get("component"), dict):  # a Label (type 18) wraps one component
            yield from _walk([component["component"]])


def submitted_form(interaction: discord.Interaction) -> str | None:
    """The custom_id of the form (modal) an interaction submits; None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    return (interaction.data or {}).get("custom_id")  # type: ignore[union-attr,return-value]


def modal_values(data: dict[str, Any] | None) -> dict[str, str]:
    """custom_id -> value of the text inputs of a modal submission (action rows or labels)."""
    values: dict[str, str] = {}
    for component in _walk((data or {}).get("components") or []):
        if component.get("type") == 4 and "custom_id" in component:
            values[component["custom_id"]] = component.get("value") or ""
    return values


OnApply = Callable[[discord.Interaction], Awaitable[None]]


class PanelView(discord.ui.View):
    """The panel's persistent button. ``on_apply`` behaves like ``/ppartner apply`` (source PANEL)."""

    def __init__(self, on_apply: OnApply) -> None:
        super().__init__(timeout=None)
        self._on_apply = on_apply

    @discord.ui.button(label=texts.PANEL_BUTTON, style=discord.ButtonStyle.primary, custom_id=PANEL_BUTTON_ID)
    async def apply(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._on_apply(interaction)


class TicketFormButton(PersistentButton, template=TICKET_BUTTON_TEMPLATE):
    """A ticket's button: opens the application form, for the applicant the ticket is for only."""

    def __init__(self, user_id: int) -> None:
        super().__init__(texts.TICKET_FORM_BUTTON, f"partners:ticket:form:{user_id}", discord.ButtonStyle.primary)
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> TicketFormButton:
        return cls(int(match["user_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(texts.TICKET_NOT_YOURS, ephemeral=True)
            return
        if not isinstance(interaction.channel, discord.Thread):
            await interaction.response.send_message(texts.TICKET_NOT_A_TICKET, ephemeral=True)
            return
        await interaction.response.send_modal(ApplicationForm(ApplicationSource.TICKET))


def ticket_view(user_id: int) -> discord.ui.View:
    return persistent_view(TicketFormButton(user_id))
