"""A fixture subgraph as files: `<name>.graphql` (SDL) and `<name>.py` (data and resolvers).

The resolver module is plain Python with no imports from this package. It may define:

- ``RESOLVERS``: ``{type name: {field name: fn(obj, info, **args)}}``; the special field
  ``__resolve_reference`` holds ``fn(representation, info) -> obj | None`` for an entity type
  (or an entity interface). Without one, an entity resolves to its representation. Fields
  without a resolver read the key of the same name from the parent dict.
- ``FAULTS``: a list of dicts such as ``{"kind": "http_500", "when": "_entities"}``
  (see ``faults.Fault``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .faults import Fault, fault_from_data

Resolver = Callable[..., Any]
ResolverMap = dict[str, dict[str, Resolver]]


@dataclass(frozen=True)
class SubgraphSpec:
    name: str
    sdl: str
    resolvers: ResolverMap
    faults: tuple[Fault, ...]

    @property
    def is_down(self) -> bool:
        return any(fault.kind == "down" for fault in self.faults)


def _load_module(path: Path) -> ModuleType:
    module_name = f"fixture_subgraph_{path.parent.parent.name}_{path.stem}".replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load resolver module {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_subgraph(sdl_path: Path) -> SubgraphSpec:
    """Read `<name>.graphql` and, when present, its sibling `<name>.py`."""
    module_path = sdl_path.with_suffix(".py")
    resolvers: ResolverMap = {}
    faults: tuple[Fault, ...] = ()
    if module_path.exists():
        module = _load_module(module_path)
        resolvers = dict(getattr(module, "RESOLVERS", {}))
        faults = tuple(fault_from_data(item) for item in getattr(module, "FAULTS", []))
    return SubgraphSpec(
        name=sdl_path.stem,
        sdl=sdl_path.read_text(encoding="utf-8"),
        resolvers=resolvers,
        faults=faults,
    )
