"""A generic federation subgraph runtime: SDL + a plain Python resolver module → ASGI app."""

from .app import subgraph_app
from .faults import Fault
from .schema import build_subgraph_schema
from .spec import SubgraphSpec, load_subgraph

__all__ = ["Fault", "SubgraphSpec", "build_subgraph_schema", "load_subgraph", "subgraph_app"]
