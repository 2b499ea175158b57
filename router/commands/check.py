"""``fedra check``: compose, then compare with a base supergraph and validate client operations.

Exit codes: 0 clean, 1 breaking changes / invalid operations / composition errors (or a stale
base with ``--require-up-to-date``), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from router.check.composition import compose_config
from router.check.config import ConfigError, load_supergraph_config
from router.check.diff import diff_schemas
from router.check.operations import find_operation_files, validate_operation_files
from router.check.report import CheckReport
from router.supergraph import SupergraphError, read_supergraph

NAME = "check"
HELP = "check a schema change: breaking changes against a base supergraph, client operations"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="supergraph.yaml", help="supergraph config")
    parser.add_argument(
        "--base",
        default="schema/supergraph.graphql",
        help="supergraph to compare against (default: schema/supergraph.graphql)",
    )
    parser.add_argument(
        "--operations",
        action="append",
        default=[],
        metavar="GLOB",
        help="client operations to validate, e.g. 'web/**/*.graphql' (repeatable)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--require-up-to-date",
        action="store_true",
        help="fail when the base supergraph differs from the composed one",
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = load_supergraph_config(args.config)
        result = compose_config(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    base_path = Path(args.base)
    report = CheckReport(
        base=str(base_path) if base_path.exists() else None,
        require_up_to_date=args.require_up_to_date,
    )
    if not result.ok or result.supergraph_sdl is None:
        report.composition_errors = list(result.errors)
    else:
        try:
            new = read_supergraph(result.supergraph_sdl)
        except SupergraphError as error:
            print(f"error: the composed supergraph cannot be read: {error}", file=sys.stderr)
            return 1
        if report.base is not None:
            base_sdl = base_path.read_text(encoding="utf-8")
            try:
                base = read_supergraph(base_sdl)
            except SupergraphError as error:
                print(f"error: {base_path}: {error}", file=sys.stderr)
                return 2
            report.stale = base_sdl != result.supergraph_sdl
            report.changes = diff_schemas(base.api_schema, new.api_schema)
        if args.operations:
            files = find_operation_files(args.operations)
            if not files:
                print(f"error: no operation files match {args.operations}", file=sys.stderr)
                return 2
            checked = validate_operation_files(new.api_schema, files)
            report.operations_checked = checked.operations
            report.operation_problems = checked.problems
    if args.format == "json":
        sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(report.format_text())
    return 0 if report.passed else 1
