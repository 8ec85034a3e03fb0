"""`python -m api --demo`: a demo guild with a live-looking queue, through the real services."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bus import Envelope

from .container import Container
from .services.partnerships import ManualPartner

SERVERS = [
    ("Pixel Painters", 4210), ("The Study Hall", 18750), ("Lo-fi Lounge", 9320), ("Speedrun Central", 26100),
    ("Cozy Gamers", 1520), ("Anime Archive", 48200), ("Indie Dev Hub", 7350), ("Plant Parents", 2890),
    ("Chess Club", 11240), ("Retro Consoles", 5610), ("Photography Corner", 3980), ("Bookworms United", 6720),
]  # fmt: skip
ADS = [
    "Welcome to {name}! Weekly events, friendly staff, and {members:,} members who love what we do. Join us!",
    "{name}: a relaxed community with giveaways, voice chats every evening and custom roles. Say hi!",
    "Looking for your people? {name} has channels for every taste, active mods and a zero-drama policy.",
]


async def fill_demo_guild(container: Container, guild_id: int) -> None:
    rng = random.Random(guild_id)
    await container.guild_settings.update(
        guild_id,
        {
            "showcase_channel_id": guild_id + 1,
            "review_channel_id": guild_id + 2,
            "review_ping_role_id": guild_id + 3,
            "partner_contact_role_id": guild_id + 4,
            "min_partner_member_count": 100,
            "track_joins": True,
            "advertisement": "Join the Demo Guild: friendly people, weekly game nights and a partner network!",
        },
    )
    # What a cluster node would report for the guild (guild.directory): names for the pickers.
    directory = {
        "revision": 1,
        "name": "Demo Guild",
        "icon_url": None,
        "channels": [
            {"id": str(guild_id + 5), "name": "Partners", "type": "CATEGORY", "position": 1},
            {"id": str(guild_id + 1), "name": "partner-showcase", "type": "TEXT", "parent_id": str(guild_id + 5), "position": 0},
            {"id": str(guild_id + 2), "name": "partnership-requests", "type": "TEXT", "parent_id": str(guild_id + 5), "position": 1},
            {"id": str(guild_id + 6), "name": "partner-forum", "type": "FORUM", "parent_id": str(guild_id + 5), "position": 2},
            {"id": str(guild_id + 7), "name": "announcements", "type": "ANNOUNCEMENT", "position": 0},
            {"id": str(guild_id + 8), "name": "general", "type": "TEXT", "position": 1},
        ],
        "roles": [
            {"id": str(guild_id + 9), "name": "Staff", "color": 0xE67E22, "position": 3},
            {"id": str(guild_id + 3), "name": "Partnership Team", "color": 0x9B59B6, "position": 2},
            {"id": str(guild_id + 4), "name": "Partners", "color": 0x3498DB, "position": 1},
        ],
    }  # fmt: skip
    await container.directory.guild_directory(Envelope.new("guild.directory", guild_id, directory))
    for index, (name, members) in enumerate(SERVERS):
        partner_id = 1200000000000000000 + index * 4194304 * 7
        data = {
            "source": rng.choice(["SLASH", "SLASH", "PANEL", "DM"]),
            "representative_id": str(1300000000000000000 + index),
            "advertisement": rng.choice(ADS).format(name=name, members=members),
            "partner": {"id": str(partner_id), "name": name, "icon_url": None, "member_count": members,
                        "invite_code": name.lower().replace(" ", "")[:10]},
            "reply": None,
            "ticket_channel_id": None,
            "representative_name": f"{name.split()[0]} Rep",
        }  # fmt: skip
        envelope = Envelope.new("application.submitted", guild_id, data, version=2, occurred_at=datetime.now(UTC))
        app = await container.directory.remembering_representative(container.applications.submit)(envelope)
        if app is not None and index < 3:
            await container.applications.approve(app, actor=1)
    await container.partnerships.create_manual(
        ManualPartner.parse(
            guild_id=guild_id, partner_guild_id="1250000000000000000", partner_name="Old Friends Network",
            invite_code="oldfriends", representative_id="1300000000000000099",
            advertisement="Old Friends Network: a partner since day one.", member_count=15400,
        ),
        actor=1,
    )  # fmt: skip
