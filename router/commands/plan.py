"""``fedra plan``: print the query plan of an operation, or the output of one planner stage."""

from __future__ import annotations

import argparse
import sys

from graphql import DocumentNode, GraphQLError, parse, validate

from router.gateway.preparer import fragments_of, select_operation
from router.planner import PlanningError, print_plan
from router.planner.defer import plan_deferred_tree
from router.planner.defer_directives import DEFER
from router.planner.defer_plan import print_deferred_plan
from router.planner.defer_split import uses_directive
from router.planner.normalize import print_normalized
from router.planner.query_graph import to_dot
from router.supergraph import Supergraph, SupergraphError, read_supergraph_file

NAME = "plan"
HELP = "Print the query plan for an operation (or one planner stage, e.g. the query graph as DOT)."

STAGES = ("normalized", "graph", "fetch-graph", "optimized", "plan")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, metavar="FILE", help="supergraph SDL file")
    parser.add_argument(
        "operation",
        nargs="?",
        help="the operation text; omit it to read --file or standard input",
    )
    parser.add_argument("--file", "-f", metavar="FILE", help="read the operation from FILE")
    parser.add_argument("--operation-name", metavar="NAME", help="the operation to plan")
    parser.add_argument(
        "--stage",
        choices=STAGES,
        default="plan",
        help="what to print: the normalised operation, the query graph (DOT), the fetch graph "
        "before or after optimisation, or the plan (default)",
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="LABEL",
        help="a progressive @override label that is on (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        supergraph = read_supergraph_file(args.supergraph)
    except (OSError, SupergraphError) as error:
        print(f"error: cannot read supergraph: {error}", file=sys.stderr)
        return 2
    text = _operation_text(args)
    if text is None:
        print("error: cannot read the operation", file=sys.stderr)
        return 2
    try:
        document = parse(text)
    except GraphQLError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    errors = validate(supergraph.api_schema, document)
    if errors:
        for validation_error in errors:
            print(f"error: {validation_error.message}", file=sys.stderr)
        return 1
    try:
        result = supergraph.query_planner.run(
            document,
            args.operation_name,
            override_labels=frozenset(args.label),
            describe_walk=args.stage == "fetch-graph",
        )
    except PlanningError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.stage == "plan":
        try:
            deferred = _deferred_plan(supergraph, document, args)
        except PlanningError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if deferred is not None:
            sys.stdout.write(deferred)
            return 0
    outputs = {
        "normalized": lambda: print_normalized(result.operation),
        "graph": lambda: to_dot(result.graph),
        "fetch-graph": lambda: result.walked or "",
        "optimized": lambda: result.fetch_graph.describe(),
        "plan": lambda: print_plan(result.plan) + "\n",
    }
    sys.stdout.write(outputs[args.stage]())
    return 0


def _deferred_plan(
    supergraph: Supergraph, document: DocumentNode, args: argparse.Namespace
) -> str | None:
    """The plan of an operation with ``@defer`` as a client that accepts incremental delivery
    gets it (a condition per ``if`` variable); None without ``@defer``."""
    operation = select_operation(document, args.operation_name)
    if isinstance(operation, dict):
        return None
    fragments = fragments_of(document)
    if not uses_directive(operation, fragments, DEFER):
        return None
    planner = supergraph.query_planner
    plan = plan_deferred_tree(
        supergraph,
        planner.query_graph(frozenset(args.label)),
        operation,
        fragments,
        planner.budget,
    )
    return print_deferred_plan(plan) + "\n"


def _operation_text(args: argparse.Namespace) -> str | None:
    if args.operation is not None:
        return str(args.operation)
    try:
        if args.file is not None:
            with open(args.file, encoding="utf-8") as handle:
                return handle.read()
        return sys.stdin.read()
    except OSError:
        return None
