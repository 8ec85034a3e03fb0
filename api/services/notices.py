"""What the bot tells people, in plain words. Sent with no mentions allowed (the cluster enforces it)."""

from __future__ import annotations

from datetime import datetime

from ..domain.models import Application, HealthProblem, PartnerServer, Partnership


def when(at: datetime) -> str:
    """A time as the bot writes it: UTC, to the minute."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


def reason_suffix(reason: str | None) -> str:
    """The reason staff gave, as a sentence to end a notice with (nothing when none was given)."""
    return f" Reason: {reason}" if reason else ""


def _outcome(auto_end: bool) -> str:
    """What an unfixed problem leads to, by the guild's setting."""
    return "the partnership ends" if auto_end else "it counts as failing"


def queued(partner: PartnerServer) -> str:
    return f"Thanks! The partnership application for **{partner.name}** is in the queue; staff will review it."


def refused(message: str) -> str:
    return f"The partnership application was not accepted: {message}"


def auto_denied(partner: PartnerServer) -> str:
    return f"The partnership application for **{partner.name}** was declined."


def approved(app: Application) -> str:
    return f"Good news: the partnership with **{app.partner.name}** was accepted."


def denied(app: Application, reason: str | None) -> str:
    return f"The partnership application for **{app.partner.name}** was declined.{reason_suffix(reason)}"


def our_advertisement(replaced: bool) -> str:
    """The header of our advertisement; the ad itself follows as a message of its own (copyable whole)."""
    if replaced:
        return "Our invite link for you changed: here is our advertisement with the new link."
    return "Here is our advertisement for your server:"


def new_tracked_invite(url: str) -> str:
    return f"Our invite link for you changed; please use this one: {url}"


def partnership_edited(partner_name: str) -> str:
    return f"The partnership with **{partner_name}** was updated by staff."


def representative_now(partner_name: str) -> str:
    return f"You are now the representative of **{partner_name}** for this partnership."


def representative_no_longer(partner_name: str) -> str:
    return f"You are no longer the representative of **{partner_name}** for this partnership."


def confirm_in_dm(app: Application) -> str:
    return (
        f"Good news: the partnership with **{app.partner.name}** was accepted. "
        "Check your direct messages to confirm that you want to continue."
    )


def partner_confirmed(partner: PartnerServer, representative_id: int) -> str:
    return f"**{partner.name}**: the representative (<@{representative_id}>) confirmed; the ads are being exchanged."


def partner_declined(partner: PartnerServer, representative_id: int) -> str:
    return f"**{partner.name}**: the representative (<@{representative_id}>) declined the partnership."


def partner_no_answer(partner: PartnerServer) -> str:
    return f"**{partner.name}**: the representative did not answer in time; the partnership was ended."


# ---- health and reminders (staff in the log channel, the representative by DM) ---------------------


def health_problem_opened(p: Partnership, problem: HealthProblem, auto_end: bool) -> str:
    then = _outcome(auto_end)
    return (
        f"Partnership with **{p.partner.name}**: {problem.message} "
        f"If this is not fixed by {when(problem.grace_ends_at)}, {then}."
    )


def health_grace_ending(p: Partnership, problem: HealthProblem, auto_end: bool) -> str:
    then = _outcome(auto_end)
    return (
        f"Reminder — partnership with **{p.partner.name}**: {problem.message} "
        f"A day is left: on {when(problem.grace_ends_at)} {then}."
    )


def partnership_ended(p: Partnership, reason: str | None) -> str:
    return f"The partnership with **{p.partner.name}** has ended.{reason_suffix(reason)}"


def stale_queue(count: int, oldest: datetime, now: datetime) -> str:
    hours = int((now - oldest).total_seconds() // 3600)
    many = "application has" if count == 1 else "applications have"
    return f"{count} partnership {many} been waiting for review; the oldest for {hours} hours."


def not_reciprocated_opened(p: Partnership, message: str, grace_ends_at: datetime, auto_end: bool) -> str:
    then = _outcome(auto_end)
    return (
        f"Mutual partnership with **{p.partner.name}**: {message} "
        f"If they do not showcase us again by {when(grace_ends_at)}, {then}."
    )


def not_reciprocated_closed(p: Partnership, showcases_us: bool) -> str:
    if showcases_us:
        return f"Mutual partnership with **{p.partner.name}**: they showcase our advertisement again."
    # They stopped running the bot: reciprocity can no longer be checked, so nothing is held against them.
    return f"Mutual partnership with **{p.partner.name}**: they no longer run this bot; reciprocity is not checked."
