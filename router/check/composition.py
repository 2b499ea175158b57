"""Compose the subgraphs named by a supergraph config, with errors formatted for terminals."""

from __future__ import annotations

from router.check.config import SupergraphConfig
from router.check.sources import load_sources_sync
from router.compose import CompositionError, CompositionResult, compose


def compose_config(config: SupergraphConfig) -> CompositionResult:
    return compose(load_sources_sync(config))


def format_composition_error(error: CompositionError) -> str:
    where = error.subgraph or "supergraph"
    if error.line is not None:
        where += f":{error.line}:{error.column or 1}"
    return f"{where} {error.code} {error.message}"
