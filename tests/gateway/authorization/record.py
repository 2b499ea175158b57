"""Re-compose the authorization fixtures with @apollo/composition.

python -m tests.gateway.authorization.record
"""

from __future__ import annotations

import sys

from tests.compose.reference import compose_with_reference

from .corpus import APOLLO_SUPERGRAPH, fixture_dirs, fixture_subgraphs


def main() -> int:
    dirs = fixture_dirs()
    results = compose_with_reference({d.name: fixture_subgraphs(d) for d in dirs})
    failed = 0
    for fixture_dir in dirs:
        result = results[fixture_dir.name]
        if not result.ok or result.supergraph_sdl is None:
            print(f"{fixture_dir.name}: composition failed: {result.errors}", file=sys.stderr)
            failed += 1
            continue
        (fixture_dir / APOLLO_SUPERGRAPH).write_text(result.supergraph_sdl, encoding="utf-8")
        print(f"{fixture_dir.name}: {APOLLO_SUPERGRAPH} written")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
