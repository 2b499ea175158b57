"""The federation core shared by composition and the planner.

Type references (``[Product!]!``), FieldSets (``@key``/``@requires``/``@provides`` texts) and key
reachability (which subgraphs an entity can move between by key jumps) are read and answered
here once, so that composition's satisfiability check and the query planner cannot disagree.
"""

from router.federation.field_sets import (
    FieldSelection,
    FieldSet,
    FieldSetError,
    FieldSets,
    field_names,
    parse_field_set,
    top_level_names,
)
from router.federation.reachability import KeyReachability, LocalField, LocalFields
from router.federation.type_refs import TypeRef, TypeRefs, named_type, parse_type_ref

__all__ = [
    "FieldSelection",
    "FieldSet",
    "FieldSetError",
    "FieldSets",
    "KeyReachability",
    "LocalField",
    "LocalFields",
    "TypeRef",
    "TypeRefs",
    "field_names",
    "named_type",
    "parse_field_set",
    "parse_type_ref",
    "top_level_names",
]
