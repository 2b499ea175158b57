"""Progressive override labels: ``percent(n)`` rolled per request, custom labels by name."""

from __future__ import annotations

import random
import re

from router.supergraph.model import Supergraph

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


class OverrideLabels:
    """The override labels a supergraph uses, and which of them a request enables."""

    __slots__ = ("_percent", "_random", "custom")

    def __init__(self, supergraph: Supergraph, rng: random.Random | None = None) -> None:
        self._percent: dict[str, float] = {}
        self.custom: frozenset[str] = frozenset()
        self._random = rng or random.Random()
        custom: set[str] = set()
        for named in supergraph.types.values():
            for field in named.fields.values():
                for source in field.sources.values():
                    label = source.override_label
                    if not label:
                        continue
                    match = _PERCENT.match(label)
                    if match:
                        self._percent[label] = float(match.group(1))
                    else:
                        custom.add(label)
        self.custom = frozenset(custom)

    @property
    def percent_labels(self) -> dict[str, float]:
        return dict(self._percent)

    def enabled(self, requested: frozenset[str] | None) -> frozenset[str]:
        """Labels on for one request: rolled percentages plus the requested custom labels.

        Labels the supergraph does not use are dropped, so they never split the plan cache.
        """
        if not self._percent and not self.custom:
            return frozenset()
        enabled = {
            label
            for label, percent in self._percent.items()
            if self._random.random() * 100 < percent
        }
        if requested:
            enabled.update(requested & self.custom)
            enabled.update(label for label in requested if label in self._percent)
        return frozenset(enabled)
