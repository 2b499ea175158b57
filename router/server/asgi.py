"""App factory for uvicorn worker processes: everything comes from the environment.

``fedra serve`` exports ``FEDRA_CONFIG`` (the YAML file) and the command line as ``FEDRA_*``
configuration variables (``--supergraph`` is ``FEDRA_SUPERGRAPH__PATH``), then each worker calls
``app_from_environment``.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from router.config import load_config
from router.server.app import create_app
from router.server.json_logging import configure_logging

CONFIG_VARIABLE = "FEDRA_CONFIG"
SUPERGRAPH_VARIABLE = "FEDRA_SUPERGRAPH__PATH"


def app_from_environment() -> Starlette:
    config = load_config(os.environ.get(CONFIG_VARIABLE) or None)
    configure_logging(config.logging)
    return create_app(config)
