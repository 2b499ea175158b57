"""The supergraph model, read from supergraph SDL or built by composition."""

from router.supergraph.model import (
    AppliedDirective,
    DirectiveDefinition,
    EnumValue,
    Field,
    FieldInSubgraph,
    InputValue,
    Key,
    Link,
    NamedType,
    Subgraph,
    Supergraph,
    TypeInSubgraph,
    TypeKind,
)
from router.supergraph.reader import SupergraphError, read_supergraph, read_supergraph_file

__all__ = [
    "AppliedDirective",
    "DirectiveDefinition",
    "EnumValue",
    "Field",
    "FieldInSubgraph",
    "InputValue",
    "Key",
    "Link",
    "NamedType",
    "Subgraph",
    "Supergraph",
    "SupergraphError",
    "TypeInSubgraph",
    "TypeKind",
    "read_supergraph",
    "read_supergraph_file",
]
