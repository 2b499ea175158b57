"""``fedra compose``: subgraph SDLs (rover's supergraph config) → supergraph SDL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from router.check.composition import compose_config, format_composition_error
from router.check.config import ConfigError, load_supergraph_config

NAME = "compose"
HELP = "compose subgraph schemas into a supergraph (rover's supergraph.yaml format)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="supergraph.yaml", help="supergraph config (default: supergraph.yaml)"
    )
    parser.add_argument("--output", "-o", help="write the supergraph here instead of stdout")
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 when --output differs from the composed supergraph",
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = load_supergraph_config(args.config)
        result = compose_config(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for hint in result.hints:
        print(f"hint: {format_composition_error(hint)}", file=sys.stderr)
    if not result.ok or result.supergraph_sdl is None:
        for composition_error in result.errors:
            print(format_composition_error(composition_error), file=sys.stderr)
        print(f"composition failed with {len(result.errors)} error(s)", file=sys.stderr)
        return 1
    sdl = result.supergraph_sdl
    if args.output is None:
        if args.check:
            print("error: --check needs --output", file=sys.stderr)
            return 2
        sys.stdout.write(sdl)
        return 0
    output = Path(args.output)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != sdl:
            print(
                f"{output} is stale: run `fedra compose --config {args.config} --output {output}`",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date", file=sys.stderr)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(output.suffix + ".tmp")
    temporary.write_text(sdl, encoding="utf-8")
    temporary.replace(output)
    print(f"wrote {output} ({len(config.subgraphs)} subgraphs)", file=sys.stderr)
    return 0
