"""fedra's ASGI app for uvicorn, built in-process from the benchmark supergraph.

    BENCH_SUPERGRAPH=bench/workload/supergraph.graphql \\
        python -m uvicorn --factory bench.fedra_asgi:app --port 4100

The other way to run fedra in the benchmark (``python -m bench.run --fedra-mode asgi``); the
default is the ``fedra serve`` command. The router is imported only when the app is built, so
the harness runs its peers even while the router cannot be imported.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

SUPERGRAPH_VARIABLE = "BENCH_SUPERGRAPH"


def app() -> Starlette:
    from router.config import load_config
    from router.server.app import create_app

    return create_app(load_config(None), supergraph_path=os.environ[SUPERGRAPH_VARIABLE])
