"""``fedra serve``: run the router over HTTP for a supergraph file or a schema registry."""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys

import uvicorn

from router.auth.forwarding import AuthConfigError, IdentityForwarding
from router.config import ConfigError, load_config
from router.server.asgi import CONFIG_VARIABLE, SUPERGRAPH_VARIABLE
from router.server.hooks import HookError, load_hooks
from router.server.json_logging import configure_logging
from router.server.registry_client import resolve_token
from router.server.shutdown import GracefulServer, run_workers
from router.supergraph import SupergraphError, read_supergraph_file
from router.supergraph.features import unsupported_features_message

NAME = "serve"
HELP = "Serve a supergraph: GraphQL over HTTP on /graphql, GraphiQL, /health, /ready, /metrics."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", help="supergraph SDL file (default: supergraph.path)")
    parser.add_argument("--config", help="router YAML configuration (e.g. router.yaml)")
    parser.add_argument("--env", help="apply the 'environments.<ENV>' overlay of the config")
    parser.add_argument("--host", help="interface to listen on (default: server.host)")
    parser.add_argument("--port", type=int, help="port to listen on (default: server.port)")
    parser.add_argument(
        "--workers", type=int, help="worker processes, one per core (default: server.workers)"
    )
    parser.add_argument(
        "--no-watch", action="store_true", help="do not reload the supergraph when it changes"
    )


def export_arguments(args: argparse.Namespace) -> None:
    """Turn the command line into environment variables, which every worker reads."""
    if args.config:
        os.environ[CONFIG_VARIABLE] = os.path.abspath(args.config)
    if args.supergraph:
        os.environ[SUPERGRAPH_VARIABLE] = os.path.abspath(args.supergraph)
    if args.env:
        os.environ["FEDRA_ENV"] = args.env
    if args.host:
        os.environ["FEDRA_SERVER__HOST"] = args.host
    if args.port is not None:
        os.environ["FEDRA_SERVER__PORT"] = str(args.port)
    if args.workers is not None:
        os.environ["FEDRA_SERVER__WORKERS"] = str(args.workers)
    if args.no_watch:
        os.environ["FEDRA_SUPERGRAPH__WATCH"] = "false"


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def run(args: argparse.Namespace) -> int:
    export_arguments(args)
    try:
        config = load_config(os.environ.get(CONFIG_VARIABLE))
    except ConfigError as error:
        print(f"fedra serve: {error}", file=sys.stderr)
        return 2
    supergraph = config.supergraph.path
    registry = config.supergraph.registry
    if not supergraph and registry is None:
        print(
            "fedra serve: no supergraph: pass --supergraph FILE or set supergraph.registry",
            file=sys.stderr,
        )
        return 2
    if supergraph:
        os.environ[SUPERGRAPH_VARIABLE] = os.path.abspath(supergraph)
    try:
        load_hooks(config.hooks)
        IdentityForwarding.from_config(config.authentication, os.environ)
        if registry is not None:
            resolve_token(registry.token, registry.token_env)
    except (HookError, AuthConfigError, ValueError) as error:
        print(f"fedra serve: {error}", file=sys.stderr)
        return 2
    if supergraph:
        try:
            refused = unsupported_features_message(read_supergraph_file(supergraph).links)
            if refused is not None:
                raise SupergraphError(refused)
        except (OSError, SupergraphError) as error:
            print(f"fedra serve: cannot load supergraph {supergraph}: {error}", file=sys.stderr)
            return 1
    server = config.server
    if port_in_use(server.host, server.port):
        print(
            f"fedra serve: port {server.port} on {server.host} is already in use", file=sys.stderr
        )
        return 1
    configure_logging(config.logging)
    uvicorn_config = uvicorn.Config(
        "router.server.asgi:app_from_environment",
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.workers,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=_grace(server.shutdown_grace_seconds),
    )
    if uvicorn_config.workers > 1:
        run_workers(uvicorn_config)
    else:
        GracefulServer(uvicorn_config).run()
    return 0


def _grace(seconds: float) -> int:
    """uvicorn counts the grace period in whole seconds (0 would mean no bound): round up."""
    return max(1, math.ceil(seconds))
