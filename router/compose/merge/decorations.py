"""Merging descriptions, deprecations, @inaccessible, @tag and composed directives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from router.compose.subgraph import Decorations
from router.supergraph.model import AppliedDirective


@dataclass(slots=True)
class MergedDecorations:
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: bool = False
    deprecation_reason: str | None = None
    directives: list[AppliedDirective] = field(default_factory=list)


def merge_decorations(sources: Sequence[Decorations]) -> MergedDecorations:
    merged = MergedDecorations()
    descriptions = [source.description for source in sources if source.description]
    if descriptions:
        counts = Counter(descriptions)
        best = max(counts.values())
        merged.description = next(text for text in descriptions if counts[text] == best)
    for source in sources:
        merged.inaccessible = merged.inaccessible or source.inaccessible
        for tag in source.tags:
            if tag not in merged.tags:
                merged.tags.append(tag)
        if source.deprecated and not merged.deprecated:
            merged.deprecated = True
            merged.deprecation_reason = source.deprecation_reason
        for directive in source.directives:
            if directive not in merged.directives:
                merged.directives.append(directive)
    return merged
