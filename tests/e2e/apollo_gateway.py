"""@apollo/gateway as the reference router: tests/node/gateway.mjs run once per batch."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import orjson

from tests.conftest import REQUIRE_NODE, require

from .operations import Operation
from .stack import REPO_ROOT

NODE_DIR = REPO_ROOT / "tests" / "node"
NODE_TIMEOUT_SECONDS = 120
# @apollo/gateway implements no authorization and refuses a supergraph linking the
# authenticated / requiresScopes specs "for: SECURITY"; the subgraphs enforce access anyway.
AUTHORIZATION_LINK = re.compile(
    r'(@link\(url: "https://specs\.apollo\.dev/(?:authenticated|requiresScopes)/v[0-9.]+")'
    r", for: SECURITY\)"
)


def without_authorization_purpose(supergraph_sdl: str) -> str:
    """The supergraph as @apollo/gateway accepts it: authorization links without their purpose."""
    return AUTHORIZATION_LINK.sub(r"\1)", supergraph_sdl)


def node_unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH"
    for package in ("@apollo/gateway", "@apollo/server", "@apollo/query-planner"):
        if not (NODE_DIR / "node_modules" / package).is_dir():
            return f"{package} is not installed (run `npm ci` in {NODE_DIR})"
    return None


def require_node() -> None:
    """Skips the test when Node or the packages are missing, fails instead when required."""
    reason = node_unavailable_reason()
    require(REQUIRE_NODE, None if reason is None else f"@apollo/gateway unavailable: {reason}")


def run_apollo_gateway(
    supergraph_sdl: str, urls: dict[str, str], operations: Sequence[Operation]
) -> list[dict[str, Any]]:
    """Each operation's response from one @apollo/gateway process, in order."""
    payload = {
        "supergraphSdl": without_authorization_purpose(supergraph_sdl),
        "urls": urls,
        "operations": [operation.request() for operation in operations],
    }
    completed = subprocess.run(
        ["node", str(NODE_DIR / "gateway.mjs")],
        input=orjson.dumps(payload),
        capture_output=True,
        cwd=NODE_DIR,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"gateway.mjs failed:\n{completed.stderr.decode(errors='replace')}")
    results: list[dict[str, Any]] = [
        item["response"] for item in orjson.loads(completed.stdout)["results"]
    ]
    return results
