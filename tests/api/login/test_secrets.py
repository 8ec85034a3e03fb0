"""No token, code or secret reaches a log line or the database in the clear."""

from __future__ import annotations

import hashlib
import logging

from tests.api.conftest import SECRET
from tests.support.fake_oauth import Membership

from .conftest import CLIENT_SECRET, GUILD_ROLES, VIEWER_ROLE

USER = 1300000000000000004


async def test_tokens_and_secrets_never_logged_nor_stored_in_the_clear(site, browser, other_browser, caplog):
    # Everything the service logs, down to DEBUG; other libraries at INFO (httpx's request lines).
    # httpcore's DEBUG trace is left out: in-process it also traces this test's own browser, which
    # prints the Set-Cookie headers the browser receives.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="api")
    site.fake.add_user(USER, {GUILD_ROLES: Membership(roles=[VIEWER_ROLE])})
    first = await browser.login(USER)
    refreshed = await browser.refresh()
    site.fake.expire_access_tokens()  # a Discord renewal too
    renewed = await browser.refresh()
    reused = await other_browser.http.post(site.base + "/auth/refresh", json={"refresh_token": first.refresh_token})
    await browser.logout()
    assert [refreshed.status_code, renewed.status_code, reused.status_code] == [200, 200, 401]

    ours = [first.access_token, first.refresh_token, refreshed.json()["access_token"], renewed.json()["access_token"]]
    discords = list(site.fake.issued)  # codes, Discord access and refresh tokens
    assert len(discords) >= 5
    # The test browser's own request lines (httpx, to the API's address) are the browser's, not the
    # service's: they show the callback URL with its one-time code, as any browser history would.
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not (record.name == "httpx" and site.base in record.getMessage())
    )
    assert "dashboard login: user" in logged and "reuse" in logged  # the logs did record the events
    for secret in [*ours, *discords, CLIENT_SECRET, SECRET]:
        assert secret not in logged

    stored = repr(await site.container.database.sessions.find({}).to_list(None))
    for secret in [*ours, *discords]:
        assert secret not in stored
    # Refresh tokens are kept as their SHA-256.
    docs = await site.refresh_documents()
    assert hashlib.sha256(first.refresh_token.encode()).hexdigest() in {d["_id"] for d in docs}
    # Used and revoked tokens no longer carry the (sealed) Discord grant.
    assert all("discord" not in d for d in docs if d["revoked"])
