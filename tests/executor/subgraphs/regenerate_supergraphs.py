"""Recompose the executor and gateway test supergraphs with the reference composer (Node).

.venv/bin/python -m tests.executor.subgraphs.regenerate_supergraphs
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from strawberry.federation import Schema

from tests.executor.subgraphs import accounts, inventory, products, reviews
from tests.gateway.subgraphs import catalog, media

ROOT = Path(__file__).resolve().parents[3]
NODE_DIR = ROOT / "tests" / "node"

OVERRIDE_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@override"])\n'
)
OVERRIDE_OLD = OVERRIDE_LINK + (
    "type Query { thing(id: ID!): Thing }\n"
    'type Thing @key(fields: "id") { id: ID! name: String score: Int }\n'
)
OVERRIDE_NEW = OVERRIDE_LINK + (
    'type Thing @key(fields: "id") {\n  id: ID!\n'
    '  name: String @override(from: "old", label: "beta")\n'
    '  score: Int @override(from: "old", label: "percent(100)")\n}\n'
)


def sdl_of(schema: Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.data is not None
    return str(result.data["_service"]["sdl"])


def subgraph(name: str, sdl: str) -> dict[str, str]:
    return {"name": name, "url": f"http://{name}.test/graphql", "sdl": sdl}


FIXTURES: dict[Path, list[dict[str, str]]] = {
    ROOT / "tests/executor/subgraphs/supergraph.graphql": [
        subgraph("accounts", sdl_of(accounts.schema)),
        subgraph("products", sdl_of(products.schema)),
        subgraph("reviews", sdl_of(reviews.schema)),
        subgraph("inventory", sdl_of(inventory.schema)),
    ],
    ROOT / "tests/gateway/subgraphs/catalog.graphql": [subgraph("catalog", sdl_of(catalog.schema))],
    ROOT / "tests/gateway/subgraphs/media.graphql": [
        subgraph("media", sdl_of(media.media_schema)),
        subgraph("ratings", sdl_of(media.ratings_schema)),
    ],
    ROOT / "tests/gateway/subgraphs/override_labels.graphql": [
        subgraph("old", OVERRIDE_OLD),
        subgraph("new", OVERRIDE_NEW),
    ],
}


def main() -> None:
    request = {"fixtures": {str(path): subs for path, subs in FIXTURES.items()}}
    completed = subprocess.run(
        ["node", "compose.mjs"],
        cwd=NODE_DIR,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    for path, result in json.loads(completed.stdout).items():
        if "errors" in result:
            raise SystemExit(f"{path}: {result['errors']}")
        Path(path).write_text(result["supergraphSdl"])
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
