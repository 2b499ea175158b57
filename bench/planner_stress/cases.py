"""The cases of the planner stress set: generated shapes at fixed sizes and seeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from bench.planner_stress.generate import GeneratedGraph, entity_mesh, key_chain


@dataclass(frozen=True)
class StressCase:
    name: str
    description: str
    build: Callable[[], GeneratedGraph]


def _mesh(
    name: str, subgraphs: int, entities: int, owners: int, shared: int, second_key: float
) -> StressCase:
    description = (
        f"{subgraphs} subgraphs, {entities} entity types each in {owners} subgraphs "
        f"(key id, {second_key:.0%} of definitions also key sku), {shared} @shareable fields "
        f"per entity in all its subgraphs, child links {entities} entities deep"
    )
    build = partial(
        entity_mesh,
        name,
        subgraphs=subgraphs,
        entities=entities,
        owners=owners,
        shared_fields=shared,
        second_key_share=second_key,
        seed=len(name) * 7919 + subgraphs,
    )
    return StressCase(name, description, build)


def _chain(name: str, length: int) -> StressCase:
    description = f"{length} subgraphs sharing one entity through neighbouring keys only"
    return StressCase(name, description, partial(key_chain, name, length=length))


CASES: tuple[StressCase, ...] = (
    _mesh("shareable-wide-120", subgraphs=120, entities=1, owners=120, shared=8, second_key=0.5),
    _mesh("deep-mesh-100", subgraphs=100, entities=20, owners=10, shared=4, second_key=0.5),
    _mesh("dense-mesh-150", subgraphs=150, entities=12, owners=40, shared=6, second_key=0.3),
    _chain("key-chain-30", length=30),
    _chain("key-chain-100", length=100),
    _chain("key-chain-400", length=400),
)

QUICK_CASES: tuple[StressCase, ...] = (
    _mesh("shareable-wide-12", subgraphs=12, entities=1, owners=12, shared=3, second_key=0.5),
    _mesh("deep-mesh-10", subgraphs=10, entities=4, owners=3, shared=2, second_key=0.5),
    _chain("key-chain-6", length=6),
)
