"""GraphiQL for browsers, with every asset served by the router itself."""

from __future__ import annotations

import re
from pathlib import Path

from router.server.graphiql import STATIC_DIR
from tests.server.stack import router_stack

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_browser_gets_graphiql_with_local_assets(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl) as (client, _app):
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "https://" not in html and "http://" not in html  # no CDN
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert any(asset.endswith("graphiql.min.js") for asset in assets)
        assert any(asset.endswith("react-dom.production.min.js") for asset in assets)
        for asset in assets:
            if asset.startswith("data:"):
                continue
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 100, asset


async def test_graphiql_can_be_disabled(tmp_path: Path, supergraph_sdl: str) -> None:
    async with router_stack(tmp_path, supergraph_sdl, {"FEDRA_SERVER__GRAPHIQL": "false"}) as (
        client,
        _app,
    ):
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
        assert not page.headers["content-type"].startswith("text/html")


def test_vendored_versions_are_pinned() -> None:
    versions = (STATIC_DIR / "vendor" / "VERSIONS").read_text().split("\n")
    assert re.fullmatch(r"graphiql \d+\.\d+\.\d+", versions[0])
    update_script = (STATIC_DIR / "update.sh").read_text()
    assert "npm pack" in update_script
