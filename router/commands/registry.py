"""``fedra registry``: the schema registry service (API, health checks, web page)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from router.registry.api import create_registry_app
from router.registry.config import RegistryConfigError, load_registry_config

NAME = "registry"
HELP = "run the schema registry: subgraphs publish, routers read, a web page shows it"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4100, help="port (default: 4100)")
    parser.add_argument("--config", help="registry YAML configuration (e.g. registry.yaml)")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default: info)")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_registry_config(args.config)
    except RegistryConfigError as error:
        print(f"fedra registry: {error}", file=sys.stderr)
        return 2
    if not config.tokens and config.jwt is None:
        print(
            "fedra registry: no tokens configured: every API call will be refused "
            "(see docs/registry.md)",
            file=sys.stderr,
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    app = create_registry_app(config)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
