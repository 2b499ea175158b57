"""``fedra publish``: publish a subgraph's SDL to the registry (CI).

Exit codes: 0 accepted, 1 rejected (composition errors, breaking changes used by recorded
operations), 2 usage error or the registry cannot be asked.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from router.registry.client import PublishError, format_report, publish_schema

NAME = "publish"
HELP = "publish a subgraph schema to the registry; exit 1 with a report when it is rejected"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registry", required=True, help="registry URL, e.g. http://host:4100")
    parser.add_argument("--name", required=True, help="subgraph name, e.g. products")
    parser.add_argument("--schema", required=True, help="subgraph SDL file")
    parser.add_argument("--routing-url", required=True, help="URL routers send requests to")
    parser.add_argument(
        "--token-env",
        default="FEDRA_REGISTRY_TOKEN",
        help="environment variable holding the publish token (default: FEDRA_REGISTRY_TOKEN)",
    )
    parser.add_argument("--author", help="who publishes (default: the user name)")
    parser.add_argument("--version", dest="schema_version", help="the subgraph's version label")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default: 60)")


def run(args: argparse.Namespace) -> int:
    try:
        sdl = Path(args.schema).read_text(encoding="utf-8")
    except OSError as error:
        print(f"fedra publish: cannot read {args.schema}: {error.strerror}", file=sys.stderr)
        return 2
    token = os.environ.get(args.token_env)
    if not token:
        print(f"fedra publish: no token: set {args.token_env}", file=sys.stderr)
        return 2
    try:
        author = args.author or getpass.getuser()
    except (KeyError, OSError):
        author = None
    try:
        response = publish_schema(
            args.registry,
            args.name,
            sdl,
            args.routing_url,
            token=token,
            author=author,
            version=args.schema_version,
            timeout_seconds=args.timeout,
        )
    except PublishError as error:
        print(f"fedra publish: {error}", file=sys.stderr)
        return 2
    report = format_report(args.name, response)
    sys.stdout.write(report)
    return 0 if response.accepted else 1
