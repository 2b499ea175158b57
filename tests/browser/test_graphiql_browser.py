"""GraphiQL in headless Chromium against a live router and the real subgraphs."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.auth.keys import SigningKey, claims
from tests.server.stack import (
    CROSS_SUBGRAPH_QUERY,
    REPO_ROOT,
    compose_supergraph_sdl,
    free_port,
    start_dev,
)

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"
TIMEOUT_MS = 30_000
DEV_KEY = SigningKey.ed25519()  # published in the dev key set once the stack is up


def publish_dev_key(jwks_path: Path) -> None:
    published = json.loads(jwks_path.read_text()) if jwks_path.exists() else {"keys": []}
    published["keys"].append(DEV_KEY.public_jwk())
    jwks_path.parent.mkdir(parents=True, exist_ok=True)
    jwks_path.write_text(json.dumps(published))


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The README's start command, `fedra dev`: three subgraphs, composition and the router."""
    directory = tmp_path_factory.mktemp("browser-stack")
    ports = {"users": free_port(), "products": free_port(), "orders": free_port()}
    router_port = free_port()
    process, log = start_dev(directory, compose_supergraph_sdl(), ports, router_port)
    url = f"http://127.0.0.1:{router_port}/graphql"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(url.replace("/graphql", "/ready")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        publish_dev_key(directory / "var" / "keys" / "jwks.json")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_graphiql_runs_a_cross_subgraph_query_and_shows_its_plan(
    browser: Any, router_url: str
) -> None:
    expected = httpx.post(router_url, json={"query": CROSS_SUBGRAPH_QUERY}).json()
    first_user = expected["data"]["users"]["edges"][0]["node"]["name"]
    product = expected["data"]["topProducts"][0]["name"]

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    console_errors: list[str] = []
    external: list[str] = []
    origin = router_url.rsplit("/", 1)[0]

    def on_console(message: Any) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    def on_request(request: Any) -> None:
        if not request.url.startswith(origin):
            external.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    page.goto(f"{router_url}?query={quote(CROSS_SUBGRAPH_QUERY)}")
    page.wait_for_selector(".graphiql-container", timeout=TIMEOUT_MS)
    page.click('button[aria-label^="Prettify query"]')
    page.wait_for_selector(".graphiql-container", timeout=TIMEOUT_MS)

    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    result.get_by_text(first_user).first.wait_for(timeout=TIMEOUT_MS)
    text = result.inner_text()
    assert '"users"' in text and '"orderCount"' in text
    assert product in text

    page.click('button[aria-label="Show Query plan"]')
    page.check('[data-testid="query-plan-toggle"]')
    page.click(".graphiql-execute-button")
    plan = page.locator('[data-testid="query-plan"]')
    plan.wait_for(timeout=TIMEOUT_MS)
    plan_text = plan.inner_text()
    assert plan_text.startswith("QueryPlan {")
    assert 'Fetch(service: "users")' in plan_text and 'Fetch(service: "orders")' in plan_text

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graphiql.png"))
    page.close()
    assert external == [], f"GraphiQL fetched from outside the router: {external}"
    assert console_errors == []


def test_schema_explorer_and_headers_editor(browser: Any, router_url: str) -> None:
    page = browser.new_page()
    query = "{\n  me {\n    name\n  }\n}"
    authorization = {"authorization": f"Bearer {DEV_KEY.sign(claims('1'))}"}
    headers = json.dumps(authorization)
    page.goto(f"{router_url}?query={quote(query)}&headers={quote(headers)}")
    page.wait_for_selector(".graphiql-container", timeout=TIMEOUT_MS)
    page.click('button[aria-label="Show Documentation Explorer"]')
    explorer = page.locator(".graphiql-doc-explorer")
    explorer.get_by_text("Query", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    explorer.get_by_text("Query", exact=True).first.click()
    explorer.get_by_text("topProducts").first.wait_for(timeout=TIMEOUT_MS)
    page.click(".graphiql-execute-button")
    refused = httpx.post(
        router_url, json={"query": "{ me { name } }"}, headers={"authorization": "Bearer no"}
    )
    assert refused.status_code == 401  # an unknown token is refused; the editor's one verifies
    expected = httpx.post(router_url, json={"query": "{ me { name } }"}, headers=authorization)
    assert expected.status_code == 200, expected.text
    me = expected.json()["data"]["me"]
    shown = me["name"] if me is not None else '"me": null'
    page.locator(".result-window").get_by_text(shown).first.wait_for(timeout=TIMEOUT_MS)
    page.close()


DEFERRED_QUERY = (
    "query Deferred { topProducts(first: 2) { name "
    '... @defer(label: "shipping") { shippingEstimate { amount currency } } } }'
)


def test_graphiql_shows_a_deferred_operation_merged(browser: Any, router_url: str) -> None:
    """GraphiQL's fetcher takes the multipart response of an operation with @defer and
    GraphiQL shows the payloads merged: the deferred fields next to the others."""
    whole = httpx.post(router_url, json={"query": DEFERRED_QUERY}).json()
    estimate = whole["data"]["topProducts"][0]["shippingEstimate"]["amount"]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    content_types: list[str] = []

    def on_response(response: Any) -> None:
        if response.request.method == "POST" and response.url.startswith(router_url):
            content_types.append(response.headers.get("content-type", ""))

    page.on("response", on_response)
    page.goto(f"{router_url}?query={quote(DEFERRED_QUERY)}")
    page.wait_for_selector(".graphiql-container", timeout=TIMEOUT_MS)
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    result.get_by_text('"shippingEstimate"').first.wait_for(timeout=TIMEOUT_MS)
    text = result.inner_text()
    assert '"name"' in text and str(estimate) in text
    assert '"hasNext"' not in text and '"incremental"' not in text, "merged, not raw payloads"
    assert any(t.startswith("multipart/mixed") for t in content_types), content_types
    page.close()


SUBSCRIPTION = (
    "subscription Mine {\n  myOrderUpdates {\n    id\n    status\n"
    "    items {\n      quantity\n      product {\n        name\n      }\n    }\n"
    "    user {\n      name\n    }\n  }\n}"
)
PLACE_ORDER = 'mutation { placeOrder(input: {items: [{productId: "3", quantity: 1}]}) { id } }'


def test_graphiql_runs_a_subscription_and_shows_an_update(browser: Any, router_url: str) -> None:
    """Subscribe in GraphiQL (GraphQL over SSE), place an order in another request, and see
    its update arrive in the result pane, with fields of the products and users subgraphs."""
    authorization = {"authorization": f"Bearer {DEV_KEY.sign(claims('2'))}"}
    names = httpx.post(
        router_url,
        json={"query": '{ product(id: "3") { name } user(id: "2") { name } }'},
        headers=authorization,
    ).json()["data"]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    headers = json.dumps(authorization)
    page.goto(f"{router_url}?query={quote(SUBSCRIPTION)}&headers={quote(headers)}")
    page.wait_for_selector(".graphiql-container", timeout=TIMEOUT_MS)
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    placed: list[str] = []
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    shown = ""
    while time.monotonic() < deadline:
        # the subscription may still be connecting when an order commits: place until one shows
        response = httpx.post(router_url, json={"query": PLACE_ORDER}, headers=authorization)
        assert response.status_code == 200, response.text
        placed.append(response.json()["data"]["placeOrder"]["id"])
        page.wait_for_timeout(1000)
        shown = result.inner_text()
        if any(f'"{order_id}"' in shown for order_id in placed):
            break
    assert any(f'"{order_id}"' in shown for order_id in placed), shown
    assert '"myOrderUpdates"' in shown and '"PLACED"' in shown
    assert names["product"]["name"] in shown and names["user"]["name"] in shown
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"))
    page.close()
    assert console_errors == []


def test_screenshot_path_is_ignored_by_git() -> None:
    assert "/test-artifacts/" in (REPO_ROOT / ".gitignore").read_text()
    assert Path(ARTIFACTS).name == "test-artifacts"
