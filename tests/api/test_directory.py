"""Names, not numbers: the guild's directory (guild.directory) and the representatives' names
(application.submitted), through the event worker, as GraphQL shows them."""

from __future__ import annotations

import asyncio
import random

from api.container import Container
from bus import Envelope
from tests.api.conftest import make_settings
from tests.api.factories import GUILD, OTHER_GUILD, submitted

G = str(GUILD)
QUERY = """query($g: Snowflake!) { guild(id: $g) {
  name iconUrl botPresent
  channels { id name type parentId position }
  roles { id name color position managed }
} }"""


def directory(guild_id: int = GUILD, *, revision: int, channel_name: str = "showcase", name: str = "Home") -> Envelope:
    return Envelope.new(
        "guild.directory",
        guild_id,
        {
            "revision": revision,
            "name": name,
            "icon_url": "https://cdn.discordapp.com/icons/1/abc.png",
            "channels": [
                {"id": "501", "name": "Partners", "type": "CATEGORY", "parent_id": None, "position": 1},
                {"id": "502", "name": channel_name, "type": "TEXT", "parent_id": "501", "position": 0},
                {"id": "503", "name": "news", "type": "ANNOUNCEMENT", "parent_id": None, "position": 0},
                {"id": "504", "name": "partner-forum", "type": "FORUM", "parent_id": "501", "position": 1},
                {"id": "505", "name": "Lounge", "type": "OTHER", "parent_id": None, "position": 2},
            ],
            "roles": [
                {"id": "601", "name": "Partner", "color": 0x3498DB, "position": 1, "managed": False},
                {"id": "602", "name": "Some Bot", "color": 0, "position": 2, "managed": True},
            ],
        },
    )


async def test_an_unseen_server_has_no_name_and_empty_pickers(api):
    guild = (await api.data(QUERY, {"g": G}))["guild"]
    assert guild == {"name": None, "iconUrl": None, "botPresent": False, "channels": [], "roles": []}


async def test_the_directory_gives_names_channels_and_roles(api, worker):
    await worker.handle(directory(revision=10))

    guild = (await api.data(QUERY, {"g": G}))["guild"]

    assert guild["name"] == "Home" and guild["iconUrl"].endswith("abc.png") and guild["botPresent"] is True
    # Discord's order: uncategorised first, then each category followed by its channels.
    assert [(c["name"], c["type"]) for c in guild["channels"]] == [
        ("news", "ANNOUNCEMENT"),
        ("Lounge", "OTHER"),
        ("Partners", "CATEGORY"),
        ("showcase", "TEXT"),
        ("partner-forum", "FORUM"),
    ]
    assert guild["channels"][3] == {"id": "502", "name": "showcase", "type": "TEXT", "parentId": "501", "position": 0}
    assert guild["roles"] == [  # highest first
        {"id": "602", "name": "Some Bot", "color": 0, "position": 2, "managed": True},
        {"id": "601", "name": "Partner", "color": 0x3498DB, "position": 1, "managed": False},
    ]


async def test_a_newer_directory_replaces_the_old_one_and_a_late_older_one_changes_nothing(api, worker):
    await worker.handle(directory(revision=10, channel_name="showcase"))
    await worker.handle(directory(revision=20, channel_name="renamed"))
    await worker.handle(directory(revision=15, channel_name="stale"))  # late, from before the rename
    await worker.handle(directory(revision=20, channel_name="same-revision"))  # a redelivery-like twin

    names = [c["name"] for c in (await api.data(QUERY, {"g": G}))["guild"]["channels"]]
    assert "renamed" in names and "stale" not in names and "same-revision" not in names


async def test_concurrent_directories_on_two_replicas_keep_the_newest(mongo_server, mongo_db_name):
    # Two API containers (two replicas) on one MongoDB wire server, where the writes really interleave
    # (mongomock runs them one by one): whatever the order, the highest revision stays.
    settings = make_settings(mongodb_url=mongo_server.url, mongodb_database=mongo_db_name)
    replicas = [await Container.open(settings) for _ in range(2)]
    try:
        revisions = list(range(1, 41))
        random.Random(7).shuffle(revisions)
        events = [directory(revision=r, channel_name=f"rev-{r}") for r in revisions]
        await asyncio.gather(*(replicas[i % 2].directory.guild_directory(e) for i, e in enumerate(events)))

        stored = (await replicas[0].directory_repo.get_many([GUILD]))[GUILD]
        assert stored.revision == 40 and "rev-40" in {c.name for c in stored.channels}
    finally:
        for replica in replicas:
            await replica.close()


async def test_a_directory_touches_only_the_guild_it_names(api, worker):
    await worker.handle(directory(OTHER_GUILD, revision=10, name="Elsewhere"))

    assert (await api.data(QUERY, {"g": G}))["guild"]["name"] is None


async def test_viewer_guilds_carry_their_names(api, worker):
    await worker.handle(directory(revision=10, name="Home"))
    token = api.token({GUILD: ["partnerships.view"], OTHER_GUILD: ["partnerships.view"]})

    viewer = (await api.data("{ viewer { name avatarUrl guilds { id name } } }", token=token))["viewer"]

    assert viewer["name"] is None and viewer["avatarUrl"] is None  # a token minted without the login
    assert sorted(viewer["guilds"], key=lambda g: g["id"]) == sorted(
        [{"id": G, "name": "Home"}, {"id": str(OTHER_GUILD), "name": None}], key=lambda g: g["id"]
    )


async def test_the_representatives_name_and_avatar_are_kept_from_the_application(api, worker):
    env = submitted(representative_id=777)
    env.data["representative_name"] = "Alice"
    env.data["representative_avatar_url"] = "https://cdn.discordapp.com/avatars/777/a.png"
    await worker.handle(Envelope.new("application.submitted", env.guild_id, env.data, version=2))
    await worker.handle(submitted(representative_id=778))  # an older cluster: no name

    query = """query($g: Snowflake!) { guild(id: $g) { applications(status: PENDING) { edges { node {
      representativeId representativeName representativeAvatarUrl } } } } }"""
    nodes = [e["node"] for e in (await api.data(query, {"g": G}))["guild"]["applications"]["edges"]]

    assert {n["representativeId"]: (n["representativeName"], n["representativeAvatarUrl"]) for n in nodes} == {
        "777": ("Alice", "https://cdn.discordapp.com/avatars/777/a.png"),
        "778": (None, None),
    }


async def test_an_older_sighting_of_a_representative_does_not_replace_a_newer_one(api, container):
    from datetime import UTC, datetime

    from api.store.people import Person

    people = container.people
    await people.remember(Person(42, "New Name", None), datetime(2026, 1, 2, tzinfo=UTC))
    await people.remember(Person(42, "Old Name", None), datetime(2026, 1, 1, tzinfo=UTC))  # redelivered late
    assert (await people.get_many([42]))[42].name == "New Name"
    await people.remember(Person(42, "Newest", "https://cdn.discordapp.com/a.png"), datetime(2026, 1, 3, tzinfo=UTC))
    assert (await people.get_many([42]))[42] == Person(42, "Newest", "https://cdn.discordapp.com/a.png")


async def test_staff_are_named_where_they_decided_blacklisted_and_acted_and_unknown_ones_are_null(
    api, worker, container
):
    from datetime import UTC, datetime

    from api.store.people import Person

    await container.people.remember(Person(4242, "Sam from staff", None), datetime(2026, 1, 1, tzinfo=UTC))
    await container.blacklist.add(GUILD, 1000000000000000001, "spam", actor=7)  # 7: never logged in
    await worker.handle(submitted(partner_id=1234567890123456789))
    apps = "query($g: Snowflake!) { guild(id: $g) { applications { edges { node { id } } } } }"
    app_id = (await api.data(apps, {"g": G}))["guild"]["applications"]["edges"][0]["node"]["id"]
    deny = "mutation($id: ID!) { denyApplication(id: $id, blacklist: true) { application { decidedByName } } }"
    denied = (await api.data(deny, {"id": app_id}))["denyApplication"]["application"]

    names = """query($g: Snowflake!) { viewer { name } guild(id: $g) {
      blacklist { edges { node { partnerGuildId addedByName } } }
      auditLog { edges { node { action actorName } } } } }"""
    data = await api.data(names, {"g": G}, token=api.token({GUILD: ["partnerships.edit"]}))

    assert denied == {"decidedByName": "Sam from staff"}
    assert data["viewer"] == {"name": "Sam from staff"}
    assert {e["node"]["partnerGuildId"]: e["node"]["addedByName"] for e in data["guild"]["blacklist"]["edges"]} == {
        "1000000000000000001": None,
        "1234567890123456789": "Sam from staff",
    }
    assert [e["node"] for e in data["guild"]["auditLog"]["edges"]] == [
        {"action": "application.deny", "actorName": "Sam from staff"},
        {"action": "blacklist.add", "actorName": None},
    ]
