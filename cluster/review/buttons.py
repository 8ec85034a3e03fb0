"""Review posts with buttons (reviewStyle BUTTONS): Approve, Deny, Deny + blacklist.

Restart-safe like the intake panel: each button is a ``DynamicItem`` whose custom_id carries the
application id (``partners:review:<action>:<application id>``), registered with
``bot.add_dynamic_items``, so a click on a post made before any restart still reaches the cog. Deny
opens a form whose custom_id names the action and the application (``partners:review-form:...``),
handled from that custom_id by the cog's ``on_interaction``: nothing is kept in memory in between.
"""

from __future__ import annotations

import re

import discord

from cluster.persistent_buttons import PersistentButton, persistent_view

APPROVE = "approve"
DENY = "deny"
DENY_BLACKLIST = "denybl"
ACTIONS = (APPROVE, DENY, DENY_BLACKLIST)

BUTTON_TEMPLATE = r"partners:review:(?P<action>approve|deny|denybl):(?P<application_id>[0-9a-f]{1,32})"
FORM_PREFIX = "partners:review-form:"
FORM_PATTERN = re.compile(r"partners:review-form:(?P<action>deny|denybl):(?P<application_id>[0-9a-f]{1,32})")
REASON_FIELD = "reason"
REASON_MAX = 500

LABELS = {APPROVE: "Approve", DENY: "Deny", DENY_BLACKLIST: "Deny + blacklist"}
STYLES = {
    APPROVE: discord.ButtonStyle.success,
    DENY: discord.ButtonStyle.danger,
    DENY_BLACKLIST: discord.ButtonStyle.danger,
}


def button_id(action: str, application_id: str) -> str:
    return f"partners:review:{action}:{application_id}"


class ReviewButton(PersistentButton, template=BUTTON_TEMPLATE):
    """One of the three buttons; the Review cog's ``review_clicked(interaction, button)`` runs."""

    handler = ("Review", "review_clicked")

    def __init__(self, action: str, application_id: str) -> None:
        super().__init__(LABELS[action], button_id(action, application_id), STYLES[action])
        self.action = action
        self.application_id = application_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ReviewButton:
        return cls(match["action"], match["application_id"])


def review_view(application_id: str) -> discord.ui.View:
    return persistent_view(*(ReviewButton(action, application_id) for action in ACTIONS))


class DenyForm(discord.ui.Modal):
    """The reason for a denial; the applicant is told it."""

    reason: discord.ui.TextInput = discord.ui.TextInput(
        label="Reason (the applicant is told)",
        custom_id=REASON_FIELD,
        style=discord.TextStyle.paragraph,
        max_length=REASON_MAX,
        required=True,
    )

    def __init__(self, action: str, application_id: str) -> None:
        title = "Deny and blacklist" if action == DENY_BLACKLIST else "Deny the application"
        super().__init__(title=title, custom_id=f"{FORM_PREFIX}{action}:{application_id}", timeout=None)
        self.stop()  # handled from its custom_id by the cog (see the module docstring), not kept in memory


def form_target(custom_id: str | None) -> tuple[str, str] | None:
    """(action, application id) of one of our deny forms, from its submission's custom_id."""
    match = FORM_PATTERN.fullmatch(custom_id or "")
    return None if match is None else (match["action"], match["application_id"])
