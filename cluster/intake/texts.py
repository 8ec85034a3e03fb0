"""What the bot says to applicants and staff, in plain words (one place, so the tone stays one)."""

from __future__ import annotations

from discord.utils import escape_markdown

from cluster.intake.dm_syntax import COMMAND
from cluster.intake.invites import InviteProblem


def name(text: str) -> str:
    """A server name shown in bold without its markdown taking effect (mentions ping nobody anyway:
    everything the bot sends carries allowed_mentions parse: [])."""
    return escape_markdown(text)


# ---- entry points ----------------------------------------------------------------------------------

MANUAL_MODE = "This server adds partners by hand; ask its staff."
GUILD_ONLY = "Partnership applications are made inside the server you want to partner with."
SEND_FAILED = "Your application could not be sent right now. Please try again in a few minutes."

# ---- invites -------------------------------------------------------------------------------------------

PARTNER_INVITE = {
    InviteProblem.MALFORMED: "That does not look like a Discord invite. Paste an invite to your server, "
    "like https://discord.gg/abc123.",
    InviteProblem.UNKNOWN: "That invite is invalid or has expired. Create a new invite to your server "
    "(ideally one that never expires) and try again.",
    InviteProblem.NOT_A_SERVER: "That invite is not for a server. Paste an invite to your server.",
    InviteProblem.UNAVAILABLE: "Discord did not answer while I checked your invite. Please try again in a minute.",
}
TARGET_INVITE = {
    InviteProblem.MALFORMED: "I could not read the invite of the server you want to partner with.",
    InviteProblem.UNKNOWN: "The invite of the server you want to partner with is invalid or has expired. "
    "Use its server id or a fresh invite.",
    InviteProblem.NOT_A_SERVER: "The invite of the server you want to partner with is not for a server.",
    InviteProblem.UNAVAILABLE: "Discord did not answer while I looked up the server you want to partner with. "
    "Please try again in a minute.",
}
SAME_SERVER = "That invite is for this server. Paste an invite to your own server."
SAME_SERVER_DM = "Your server and the server you want to partner with are the same."
TARGET_NOT_JOINED = (
    "I am not in that server, so it cannot take partnership applications through me. Check the server id."
)


def checking(partner_name: str) -> str:
    return f"Checking your application for **{name(partner_name)}**…"


def checking_dm(partner_name: str, target_name: str) -> str:
    return (
        f"Checking your application to partner **{name(partner_name)}** with **{name(target_name)}**… "
        "You will get the answer here."
    )


def dm_mode_ticket(target_name: str) -> str:
    return (
        f"**{name(target_name)}** takes partnership applications through tickets: use `/ppartner apply` in that server."
    )


def dm_mode_manual(target_name: str) -> str:
    return f"**{name(target_name)}** adds partners by hand; ask its staff."


def dm_ask_target(partner_name: str) -> str:
    return (
        f"Which server do you want to partner **{name(partner_name)}** with? Reply with its server id "
        "(like 123456789012345678) or an invite link to it (like https://discord.gg/xyz789), or `cancel`."
    )


DM_CANCEL_WORDS = frozenset({"cancel", "stop"})
DM_CANCELLED = "Cancelled: no application was sent."
DM_TARGET_NOT_UNDERSTOOD = (
    "I need the server you want to partner with: reply with its server id (like 123456789012345678) or an "
    "invite link to it (like https://discord.gg/xyz789), or `cancel`."
)


DM_USAGE = (
    "To apply for a partnership, send me:\n"
    f"`{COMMAND} <your server's invite> <server you want to partner with> <your advertisement>`\n"
    "- your server's invite: like https://discord.gg/abc123\n"
    "- the server you want to partner with: its server id (like 123456789012345678) or an invite link to it\n"
    "- your advertisement: the rest of your message (up to 2,000 characters)\n"
    f"Example: `{COMMAND} https://discord.gg/abc123 123456789012345678 Come and join our community!`"
)


def dm_usage(reason: str) -> str:
    return f"{reason}\n\n{DM_USAGE}"


# ---- tickets ---------------------------------------------------------------------------------------------

TICKET_NOT_SET_UP = (
    "Applications here go through tickets, but no ticket channel is set up yet. Please ask the server's staff."
)
TICKET_CHANNEL_MISSING = (
    "I cannot open a ticket: the ticket channel no longer exists. The server's staff have been told."
)
TICKET_CHANNEL_WRONG_TYPE = (
    "I cannot open a ticket: the ticket channel is not a text channel. The server's staff have been told."
)
TICKET_NO_PERMISSION = (
    "I cannot open a ticket: I am missing a permission in {channel} (Create Private Threads and Send Messages "
    "in Threads). The server's staff have been told."
)
TICKET_DISCORD_FAILED = "Discord did not let me open your ticket just now. Please try again in a minute."
TICKET_NOT_YOURS = "Only the member this ticket was opened for can fill in its application."
TICKET_NOT_A_TICKET = "This form only works inside an application ticket."
TICKET_FORM_BUTTON = "Fill in the application"


def ticket_opened(thread_mention: str) -> str:
    return f"Your application ticket is open: {thread_mention}. Press **{TICKET_FORM_BUTTON}** there."


def ticket_already_open(thread_mention: str) -> str:
    return f"You already have an open application ticket: {thread_mention}."


def ticket_welcome(user_mention: str) -> str:
    return (
        f"Partnership application of {user_mention}.\n"
        f"Press **{TICKET_FORM_BUTTON}** to send your server's invite and your advertisement. "
        "The answer will be posted in this thread."
    )


def ticket_thread_name(display_name: str) -> str:
    return f"partnership-{display_name}"[:100]


# ---- panel -------------------------------------------------------------------------------------------------

PANEL_BUTTON = "Apply for partnership"
PANEL_MESSAGE = "**Partner with us**\nPress the button below to apply for a partnership with this server."
PANEL_STAFF_ONLY = "Only members with the Manage Server permission can post the application panel."
PANEL_NOT_TEXT = "I can only post the application panel in a text channel."
PANEL_NO_PERMISSION = (
    "I cannot post in {channel}: I am missing the View Channel or Send Messages permission there. "
    "The warning is on the dashboard too."
)
PANEL_CHANNEL_GONE = "That channel no longer exists."
PANEL_DISCORD_FAILED = "Discord did not let me post the panel just now. Please try again in a minute."


def panel_posted(channel_mention: str, mode: str) -> str:
    text = f"Application panel posted in {channel_mention}."
    if mode == "TICKET":
        text += " Applications are set to tickets: the button opens a private ticket."
    elif mode == "MANUAL":
        text += " Applications are set to manual: the button will tell applicants to ask staff."
    return text
