"""Generated federation shapes for the planner stress set: subgraph SDLs (seeded, so the same
arguments always give the same text) and the wide operations planned over them.

- ``entity_mesh``: entity types T0..Tn-1, each defined in several subgraphs under one key ("id")
  and, in some of them, a second one ("sku"); every definition has the same ``@shareable``
  fields and one field of its own; ``Ti.child`` (in one owner of Ti) leads to T(i+1), so an
  operation can go n entities deep. ``Query.t0`` is in the first subgraph.
- ``key_chain``: one entity whose subgraphs share only neighbouring keys: subgraph j declares
  ``@key(fields: "k(j-1)")`` and ``@key(fields: "kj")``, so reaching the field of subgraph j from
  the root takes j key jumps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from router.compose.api import SubgraphSource

FEDERATION_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable"])'
)


@dataclass(frozen=True)
class GeneratedGraph:
    """Subgraph sources and named operations over the supergraph they compose to."""

    name: str
    sources: tuple[SubgraphSource, ...]
    operations: dict[str, str] = field(default_factory=dict)


@dataclass
class _EntityDefinition:
    name: str
    keys: list[str]
    fields: list[str]


def subgraph_name(index: int) -> str:
    return f"s{index:03d}"


def _url(name: str) -> str:
    return f"http://127.0.0.1:4000/{name}"


def _print_subgraph(query_fields: list[str], definitions: list[_EntityDefinition]) -> str:
    parts = [FEDERATION_LINK, ""]
    if query_fields:
        parts += ["type Query {", *(f"  {line}" for line in query_fields), "}", ""]
    for definition in definitions:
        keys = " ".join(definition.keys)
        parts += [f"type {definition.name} {keys} {{"]
        parts += [f"  {line}" for line in definition.fields]
        parts += ["}", ""]
    return "\n".join(parts)


def entity_mesh(
    name: str,
    *,
    subgraphs: int,
    entities: int,
    owners: int,
    shared_fields: int,
    second_key_share: float,
    seed: int,
) -> GeneratedGraph:
    """See the module docstring; ``owners`` subgraphs define each entity (every subgraph defines
    at least one), ``second_key_share`` of the definitions also declare ``@key(fields: "sku")``."""
    rng = random.Random(seed)
    owners = min(owners, subgraphs)
    owned: list[list[int]] = []
    for index in range(entities):
        chosen = set(rng.sample(range(subgraphs), owners))
        if index == 0:
            chosen.add(0)
        owned.append(sorted(chosen))
    for subgraph in range(subgraphs):
        if not any(subgraph in members for members in owned):
            owned[subgraph % entities].append(subgraph)
    per_subgraph: dict[int, list[_EntityDefinition]] = {i: [] for i in range(subgraphs)}
    entity_fields: list[list[str]] = []
    for index, members in enumerate(owned):
        type_name = f"T{index}"
        shared = [f"shared{n}" for n in range(shared_fields)]
        own = [f"t{index}_{subgraph_name(member)}" for member in sorted(members)]
        child_owner = min(members)
        fields = ["id", "sku", *shared, *own]
        if index + 1 < entities:
            fields.append("child")
        entity_fields.append(fields)
        for member in sorted(members):
            keys = ['@key(fields: "id")']
            if rng.random() < second_key_share:
                keys.append('@key(fields: "sku")')
            lines = ["id: ID!", "sku: String! @shareable"]
            lines += [f"{shared_field}: String @shareable" for shared_field in shared]
            lines.append(f"t{index}_{subgraph_name(member)}: Int")
            if member == child_owner and index + 1 < entities:
                lines.append(f"child: T{index + 1}")
            per_subgraph[member].append(_EntityDefinition(type_name, keys, lines))
    for index in range(entities - 1):
        child_owner = min(owned[index])
        if child_owner not in owned[index + 1]:
            stub = _EntityDefinition(
                f"T{index + 1}", ['@key(fields: "id", resolvable: false)'], ["id: ID!"]
            )
            per_subgraph[child_owner].append(stub)
    sources = []
    for subgraph in range(subgraphs):
        query_fields = ["t0: [T0]"] if subgraph == 0 else []
        sdl = _print_subgraph(query_fields, per_subgraph[subgraph])
        sources.append(SubgraphSource(subgraph_name(subgraph), _url(subgraph_name(subgraph)), sdl))
    shared_only = [["id", *(f"shared{n}" for n in range(shared_fields))] for _ in owned]
    for index, fields in enumerate(shared_only):
        if index + 1 < entities:
            fields.append("child")
    operations = {
        "deep-all-fields": _nested_operation("DeepAllFields", entity_fields),
        "deep-shared-fields": _nested_operation("DeepSharedFields", shared_only),
    }
    return GeneratedGraph(name, tuple(sources), operations)


def _nested_operation(operation_name: str, levels: list[list[str]]) -> str:
    """``{ t0 { ...fields of T0 child { ...fields of T1 child { ... } } } }``."""
    body = ""
    for fields in reversed(levels):
        plain = [f for f in fields if f != "child"]
        inner = f" child {{ {body} }}" if "child" in fields and body else ""
        body = " ".join(plain) + inner
    return f"query {operation_name} {{ t0 {{ {body} }} }}"


def key_chain(name: str, *, length: int) -> GeneratedGraph:
    """See the module docstring: ``length`` subgraphs, one entity ``Item``."""
    sources = []
    for index in range(length):
        keys = [f'@key(fields: "k{index}")']
        lines = [f"k{index}: ID!"]
        if index > 0:
            keys.insert(0, f'@key(fields: "k{index - 1}")')
            lines.insert(0, f"k{index - 1}: ID!")
        lines.append(f"f{index}: Int")
        query_fields = ["item: Item"] if index == 0 else []
        definition = _EntityDefinition("Item", keys, lines)
        sdl = _print_subgraph(query_fields, [definition])
        sources.append(SubgraphSource(subgraph_name(index), _url(subgraph_name(index)), sdl))
    every = " ".join(f"f{index}" for index in range(length))
    operations = {
        "chain-far-end": f"query ChainFarEnd {{ item {{ f{length - 1} }} }}",
        "chain-every-field": f"query ChainEveryField {{ item {{ {every} }} }}",
    }
    return GeneratedGraph(name, tuple(sources), operations)
