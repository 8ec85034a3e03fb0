"""What the bot tells a representative about their own applications and partnerships, in plain words."""

from __future__ import annotations

from datetime import datetime

from ..domain.models import Application, Partnership
from .notices import reason_suffix, when

NOTHING_HERE = (
    "You have no pending application and no active partnership in this server. Use `/ppartner apply` to apply for one."
)
NO_PENDING = "You have no pending application in this server."
NO_ACTIVE = "You are not the representative of an active partnership in this server."
WHICH_APPLICATION = "You have several pending applications here: say which partner server (its id) with `partner`."
WHICH_PARTNERSHIP = "You represent several partnerships here: say which partner server (its id) with `partner`."


def pending_line(app: Application, position: int | None, queue_length: int) -> str:
    where = f" (number {position} of {queue_length} in the queue)" if position else ""
    return (
        f"**{app.partner.name}**: application pending since {when(app.submitted_at)}{where}. "
        "Staff will review it; you will get the answer by DM. `/ppartner withdraw` takes it back."
    )


def confirm_dm_refused(p: Partnership) -> bool:
    """The last offer DM could not be delivered: their DMs were closed when it was sent."""
    asked = [x for x in p.problems if x.action == "partnership.confirm.ask"]
    return bool(asked) and asked[-1].code == "FORBIDDEN_DM"


def awaiting_line(p: Partnership, deadline: datetime, dm_refused: bool) -> str:
    text = (
        f"**{p.partner.name}**: accepted, waiting for your answer. Answer the DM: **Continue** or **No thanks**, "
        f"before {when(deadline)}; without an answer the offer ends then."
    )
    if dm_refused:
        return text + " The DM could not reach you (your DMs are closed): open them and ask staff to send it again."
    return text + " No DM? If your DMs are closed, open them and ask staff to send it again."


def active_line(p: Partnership, next_bump_at: datetime | None, has_showcase: bool) -> str:
    text = f"**{p.partner.name}**: active partnership since {when(p.started_at)}."
    if not has_showcase:
        return text
    if next_bump_at is None:
        return text + " Your ad is being posted; `/ppartner bump` re-posts it once it is up."
    return text + f" You can re-post your ad with `/ppartner bump` from {when(next_bump_at)}."


def withdrawn(app: Application) -> str:
    return (
        f"Your application for **{app.partner.name}** is withdrawn. "
        "A new application counts from your last one for this server's cooldown."
    )


def bumped(p: Partnership) -> str:
    return f"Your ad for **{p.partner.name}** is being re-posted; the old post is replaced."


def ad_proposed(p: Partnership) -> str:
    return (
        f"Your new advertisement for **{p.partner.name}** is waiting for staff review; you will get the answer "
        "by DM. Until then your current ad stays up."
    )


def ad_refused(message: str) -> str:
    return f"Your new advertisement was not accepted: {message}"


def ad_approved(p: Partnership) -> str:
    return f"Your new advertisement for **{p.partner.name}** was approved: the showcase post now shows it."


def ad_denied(p: Partnership, reason: str | None) -> str:
    suffix = reason_suffix(reason)
    return f"Your new advertisement for **{p.partner.name}** was declined; your current ad stays up.{suffix}"


def _server(guild_name: str | None) -> str:
    """Our guild by name (never an id); a guild whose name the bot has not reported yet stays unnamed."""
    return f"**{guild_name}**" if guild_name else "the server that showcases it"


def bump_ready(p: Partnership, guild_name: str | None) -> str:
    return (
        f"Your ad for **{p.partner.name}** can be re-posted now: run `/ppartner bump` in {_server(guild_name)}. "
        "You get this reminder once per bump interval; **Stop these reminders** turns it off."
    )


def bump_reminders_stopped(guild_name: str | None) -> str:
    where = f"**{guild_name}**" if guild_name else "that server"
    return f"You won't get these reminders from {where} any more."
