"""``fedra``: the command line. Each subcommand lives in its own module in ``router.commands``.

A command module defines ``NAME``, ``HELP``, ``configure(parser)`` and ``run(args) -> int``.
Exit codes: 0 success, 1 the command found a problem (composition errors, breaking changes),
2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

import router.commands

ORDER = ("serve", "dev", "compose", "check", "plan", "registry", "publish")


def _command_modules() -> list[ModuleType]:
    names = [info.name for info in pkgutil.iter_modules(router.commands.__path__)]
    names.sort(key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    return [importlib.import_module(f"router.commands.{name}") for name in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedra", description="GraphQL Federation v2 router, composer and schema checker."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
