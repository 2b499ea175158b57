"""The GraphiQL page: GraphiQL, React and our glue, all served by the router (no CDN)."""

from __future__ import annotations

import html
from pathlib import Path

import orjson

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/_fedra/static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<link rel="stylesheet" href="{static}/vendor/graphiql.min.css">
<link rel="stylesheet" href="{static}/fedra-graphiql.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="fedra-config" type="application/json">{config}</script>
<script src="{static}/vendor/react.production.min.js"></script>
<script src="{static}/vendor/react-dom.production.min.js"></script>
<script src="{static}/vendor/graphiql.min.js"></script>
<script src="{static}/fedra-graphiql.js"></script>
</body>
</html>
"""

DEFAULT_QUERY = """# Welcome to the fedra router.
#
# Write an operation, run it with Ctrl-Enter. Open the "Query plan" panel on the left to see
# how the router splits it across the subgraphs.
"""


def graphiql_page(
    *, endpoint: str, query_plan_available: bool, plan_header: str, title: str = "fedra GraphiQL"
) -> str:
    config = {
        "endpoint": endpoint,
        "queryPlanAvailable": query_plan_available,
        "planHeader": plan_header,
        "defaultQuery": DEFAULT_QUERY,
    }
    # "</" cannot appear inside the JSON script element.
    config_json = orjson.dumps(config).decode().replace("</", "<\\/")
    return _PAGE.format(title=html.escape(title), static=STATIC_PATH, config=config_json)
