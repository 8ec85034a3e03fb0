"""Joins that count: fakes (quick leave, young account, own invite), rejoins counted once, and the
daily series, as staff see them in GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.factories import GUILD, joined, left, manual_partnership

REPRESENTATIVE = 1300000000000000001
PARTNER = """query($g: Snowflake!) { guild(id: $g) { partnerships { edges { node {
  joinCount retainedCount fakeCount joinSeries(days: 3) { day joins left fake } } } } } }"""
GUILD_SERIES = """query($g: Snowflake!, $d: Int) { guild(id: $g) { joinSeries(days: $d) { day joins left fake } } }"""


async def tracked_partnership(container, code: str = "trk", partner_guild: str = "1234500000000000000"):
    return await manual_partnership(
        container, partner_guild_id=partner_guild, representative_id=REPRESENTATIVE, tracked=code
    )


async def partner_node(api) -> dict:
    return (await api.data(PARTNER, {"g": str(GUILD)}))["guild"]["partnerships"]["edges"][0]["node"]


def today_at(hours: float, days_ago: int = 0) -> datetime:
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=days_ago) + timedelta(hours=hours)


async def test_each_kind_of_fake_join_is_counted_once_and_still_a_join(api, container, worker):
    await tracked_partnership(container)
    await container.guild_settings.update(GUILD, {"fake_join_seconds": 600, "min_account_age_days": 7})
    now = datetime.now(UTC)
    young = joined(GUILD, "trk", user_id=601, joined_at=now, account_created_at=now - timedelta(days=2))
    old_enough = joined(GUILD, "trk", user_id=602, joined_at=now, account_created_at=now - timedelta(days=8))
    own_invite = joined(GUILD, "trk", user_id=REPRESENTATIVE, account_created_at=now - timedelta(days=900))
    quick = joined(GUILD, "trk", user_id=603, joined_at=now - timedelta(seconds=300),
                   account_created_at=now - timedelta(days=900))  # fmt: skip
    slow = joined(GUILD, "trk", user_id=604, joined_at=now - timedelta(seconds=700),
                  account_created_at=now - timedelta(days=900))  # fmt: skip
    events = [young, old_enough, own_invite, quick, slow, left(GUILD, 603, now), left(GUILD, 604, now)]
    for env in events + events:  # every event delivered twice: nothing doubles
        await worker.handle(env)

    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (5, 3, 3)
    assert node["joinSeries"][-1] == {"day": now.date().isoformat(), "joins": 5, "left": 2, "fake": 3}


async def test_a_member_who_rejoins_through_the_same_partnership_is_counted_once(api, container, worker):
    await tracked_partnership(container)
    await container.guild_settings.update(GUILD, {"fake_join_seconds": 0})  # quick leaves off here
    for env in (joined(GUILD, "trk", user_id=701), left(GUILD, 701), joined(GUILD, "trk", user_id=701),
                left(GUILD, 701), joined(GUILD, "trk", user_id=701)):  # fmt: skip
        await worker.handle(env)
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (1, 1, 0)
    assert node["joinSeries"][-1]["joins"] == 1 and node["joinSeries"][-1]["left"] == 2


async def test_a_quick_leave_of_a_member_already_fake_is_not_fake_twice(api, container, worker):
    await tracked_partnership(container)
    await worker.handle(joined(GUILD, "trk", user_id=REPRESENTATIVE))  # own invite: fake at once
    await worker.handle(left(GUILD, REPRESENTATIVE))  # and gone a second later
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (1, 0, 1)


async def test_the_series_puts_each_event_on_its_utc_day_with_zeros_between(api, container, worker):
    await tracked_partnership(container)
    # 23:59:50 two days ago and 00:00:10 the next day: one second-scale quick leave across midnight.
    late = joined(GUILD, "trk", user_id=801, joined_at=today_at(23.99, days_ago=2))
    for env in (late, left(GUILD, 801, today_at(0.01, days_ago=1)), joined(GUILD, "trk", user_id=802,
                joined_at=today_at(0.5))):  # fmt: skip
        await worker.handle(env)

    node = await partner_node(api)
    days = [today_at(0, back).date().isoformat() for back in (2, 1, 0)]
    assert node["joinSeries"] == [
        {"day": days[0], "joins": 1, "left": 0, "fake": 1},  # the fake is the join's, on the join's day
        {"day": days[1], "joins": 0, "left": 1, "fake": 0},
        {"day": days[2], "joins": 1, "left": 0, "fake": 0},
    ]
    series = (await api.data(GUILD_SERIES, {"g": str(GUILD), "d": 5}))["guild"]["joinSeries"]
    assert [s["day"] for s in series] == [today_at(0, back).date().isoformat() for back in (4, 3, 2, 1, 0)]
    assert [(s["joins"], s["left"], s["fake"]) for s in series] == [
        (0, 0, 0),
        (0, 0, 0),
        (1, 0, 1),
        (0, 1, 0),
        (1, 0, 0),
    ]


async def test_the_guild_series_adds_up_its_partnerships_and_defaults_to_30_days(api, container, worker):
    await tracked_partnership(container, "one", "1234500000000000000")
    await tracked_partnership(container, "two", "1234500000000000001")
    for code, user in (("one", 901), ("two", 902), ("two", 903)):
        await worker.handle(joined(GUILD, code, user_id=user))
    series = (await api.data(GUILD_SERIES, {"g": str(GUILD)}))["guild"]["joinSeries"]
    assert len(series) == 30 and series[-1]["joins"] == 3 and sum(s["joins"] for s in series) == 3


async def test_a_series_outside_1_to_365_days_is_refused(api):
    for days in (0, 366, -1):
        body = await api.post(GUILD_SERIES, {"g": str(GUILD), "d": days})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "between 1 and 365" in body["errors"][0]["message"]
    assert len((await api.data(GUILD_SERIES, {"g": str(GUILD), "d": 365}))["guild"]["joinSeries"]) == 365


SETTINGS = """mutation($g: Snowflake!, $i: PartnershipSettingsInput!) { updatePartnershipSettings(guildId: $g, input: $i) {
  settings { fakeJoinSeconds minAccountAgeDays } userErrors { code field message } } }"""


async def test_the_join_settings_have_defaults_ranges_and_typed_errors(api):
    defaults = await api.data("query($g: Snowflake!) { guild(id: $g) { settings { fakeJoinSeconds minAccountAgeDays } } }",
                              {"g": str(GUILD)})  # fmt: skip
    assert defaults["guild"]["settings"] == {"fakeJoinSeconds": 600, "minAccountAgeDays": 0}
    ok = await api.data(SETTINGS, {"g": str(GUILD), "i": {"fakeJoinSeconds": 604800, "minAccountAgeDays": 365}})
    assert ok["updatePartnershipSettings"]["settings"] == {"fakeJoinSeconds": 604800, "minAccountAgeDays": 365}
    bad = await api.data(SETTINGS, {"g": str(GUILD), "i": {"fakeJoinSeconds": 604801, "minAccountAgeDays": -1}})
    errors = bad["updatePartnershipSettings"]["userErrors"]
    assert {(e["code"], tuple(e["field"])) for e in errors} == {
        ("VALIDATION", ("input", "fakeJoinSeconds")),
        ("VALIDATION", ("input", "minAccountAgeDays")),
    }
    after = await api.data(
        "query($g: Snowflake!) { guild(id: $g) { settings { fakeJoinSeconds } } }", {"g": str(GUILD)}
    )
    assert after["guild"]["settings"]["fakeJoinSeconds"] == 604800  # the bad update changed nothing


async def test_one_run_with_rejoins_leaves_and_repeats_counts_as_one_event_at_a_time(api, container):
    await tracked_partnership(container)
    now = datetime.now(UTC)
    first = joined(GUILD, "trk", user_id=1001, joined_at=now - timedelta(hours=2))
    run = [first, joined(GUILD, "trk", user_id=1002, joined_at=now - timedelta(hours=2)), first,
           left(GUILD, 1001, now - timedelta(hours=1)), joined(GUILD, "trk", user_id=1001, joined_at=now),
           left(GUILD, 1002, now - timedelta(hours=2) + timedelta(seconds=5))]  # fmt: skip
    await container.joins.handle_many(run)
    await container.joins.handle_many(run)  # the whole run redelivered
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (2, 1, 1)
    assert node["joinSeries"][-1]["joins"] + node["joinSeries"][-2]["joins"] == 2


async def test_a_crash_after_the_member_claim_still_counts_the_first_join_once(api, container, worker):
    await tracked_partnership(container)
    real = container.join_repo.insert_many

    async def crash(*args, **kwargs):
        raise ConnectionError("the process died here")

    event = joined(GUILD, "trk", user_id=1101)
    container.join_repo.insert_many = crash  # the claim is stored, the join is not
    try:
        await worker.handle(event)
    except ConnectionError:
        pass
    container.join_repo.insert_many = real
    await worker.handle(event)
    await worker.handle(event)
    node = await partner_node(api)
    assert (node["joinCount"], node["retainedCount"], node["fakeCount"]) == (1, 1, 0)  # a first join, not a rejoin
