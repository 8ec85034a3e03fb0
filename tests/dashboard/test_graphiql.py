"""GraphiQL at /graphql works on a host without internet: everything it loads comes from the API."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import make_settings
from tests.api.factories import GUILD

from .conftest import EDITOR, expect_text, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class ExternalRequests:
    """Blocks, and remembers, every request of a page to a host other than this machine."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    async def attach(self, page) -> None:
        async def handle(route) -> None:
            url = route.request.url
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOCAL_HOSTS:
                self.blocked.append(url)
                await route.abort("internetdisconnected")
            else:
                await route.continue_()

        await page.route("**/*", handle)


async def set_editor(page, selector: str, text: str) -> None:
    # CodeMirror 5 hangs its instance on its element; typing would fight its auto-closed brackets.
    editor = page.locator(selector).locator("visible=true").first
    await editor.evaluate("(e, t) => e.CodeMirror.setValue(t)", text)


QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = 'section[aria-label="Headers"] .CodeMirror'


async def set_query(page, text: str) -> None:
    await set_editor(page, QUERY_EDITOR, text)
    # GraphiQL takes in its editors' text (headers, operation name) a moment later (debounced) and stores
    # the query later still: once it is stored, running sends this query and the headers set before.
    await page.wait_for_function("(t) => localStorage.getItem('graphiql:query') === t", arg=text)


async def test_graphiql_loads_and_runs_a_query_with_no_request_leaving_the_host(site, page):
    external = ExternalRequests()
    await external.attach(page)

    await page.goto(site.base + "/graphql")

    await page.locator(QUERY_EDITOR).wait_for()  # React and GraphiQL ran: the editor is drawn
    assert await page.get_by_text("Loading…").count() == 0
    token = site.tokens.issue(EDITOR, {GUILD: ["partnerships.view"]})
    await set_editor(page, HEADERS_EDITOR, f'{{"Authorization": "Bearer {token}"}}')
    await set_query(page, f'{{ viewer {{ userId guildIds }} guild(id: "{GUILD}") {{ botPresent }} }}')
    await page.locator(".graphiql-execute-button").click()

    result = page.locator(".graphiql-response")
    await expect_text(result, str(EDITOR))
    await expect_text(result, '"botPresent": true')
    await screenshot(page, "graphiql")
    assert external.blocked == []


async def test_a_subscription_in_graphiql_goes_over_the_same_origins_websocket(site, page):
    external = ExternalRequests()
    await external.attach(page)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(site.base + "/graphql")
    token = site.tokens.issue(EDITOR, {GUILD: ["partnerships.view"]})
    await set_editor(page, HEADERS_EDITOR, f'{{"Authorization": "Bearer {token}"}}')
    await set_query(
        page,
        f'subscription {{ partnershipQueue(guildId: "{GUILD}") {{ type application {{ partner {{ name }} }} }} }}',
    )
    await page.locator(".graphiql-execute-button").click()
    # The subscription is open once the hub counts it: an event before that would not be seen.
    for _ in range(200):
        if site.container.hub.subscriber_count() > 0:
            break
        await page.wait_for_timeout(25)

    await site.submit(name="Seen In GraphiQL")

    await expect_text(page.locator(".graphiql-response"), "Seen In GraphiQL")
    assert sockets == [site.base.replace("http://", "ws://") + "/graphql"]
    assert external.blocked == []


async def test_the_graphiql_page_names_no_other_origin(site):
    async with httpx.AsyncClient(base_url=site.base) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        loaded = {path: await http.get(path) for path in assets}

    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "http" not in policy
    assert assets and all(path.startswith("/") and not path.startswith("//") for path in assets)
    assert {path: r.status_code for path, r in loaded.items()} == dict.fromkeys(assets, 200)


async def test_with_graphiql_off_its_files_are_not_served():
    app = create_app(make_settings(graphiql=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        script = await http.get("/graphiql/vendor/graphiql.min.js")

    assert script.status_code == 404
