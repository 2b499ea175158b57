"""Header propagation from the client request to each subgraph request.

Rules run in order, first those for all subgraphs, then the subgraph's own; each rule
propagates (by name, optionally renamed or with a default, or by regular expression), inserts a
static value, or removes what an earlier rule added. Nothing reaches a subgraph unless a rule
puts it there, and connection-level headers are never propagated. The ``stripped`` headers
(the identity headers only the router sets, see ``router.auth.forwarding``) are neither read from
the client nor left in what the rules produce, whatever the rules say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from router.config.model import HeaderRule, HeadersConfig

NEVER_PROPAGATED = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: HeaderRule
    pattern: re.Pattern[str] | None


def _compile(rules: Sequence[HeaderRule]) -> tuple[_CompiledRule, ...]:
    compiled: list[_CompiledRule] = []
    for rule in rules:
        matching = (rule.propagate and rule.propagate.matching) or (
            rule.remove and rule.remove.matching
        )
        pattern = re.compile(matching, re.IGNORECASE) if matching else None
        compiled.append(_CompiledRule(rule, pattern))
    return tuple(compiled)


class HeaderPropagation:
    def __init__(self, config: HeadersConfig, stripped: frozenset[str] = frozenset()) -> None:
        self._stripped = frozenset(name.lower() for name in stripped)
        self._blocked = NEVER_PROPAGATED | self._stripped
        self._all = _compile(config.all)
        self._per_subgraph = {
            name: self._all + _compile(rules) for name, rules in config.subgraphs.items()
        }

    @property
    def is_empty(self) -> bool:
        return not self._all and not any(self._per_subgraph.values())

    def for_subgraph(self, subgraph: str, incoming: Mapping[str, str]) -> dict[str, str]:
        """The headers to send to ``subgraph``; ``incoming`` has lower-case names."""
        outgoing: dict[str, str] = {}
        for compiled in self._per_subgraph.get(subgraph, self._all):
            _apply(compiled, incoming, outgoing, self._blocked)
        for name in self._stripped.intersection(outgoing):
            del outgoing[name]
        return outgoing

    def for_subgraphs(
        self, subgraphs: Sequence[str], incoming: Mapping[str, str]
    ) -> dict[str, dict[str, str]]:
        return {name: self.for_subgraph(name, incoming) for name in subgraphs}


def _apply(
    compiled: _CompiledRule,
    incoming: Mapping[str, str],
    outgoing: dict[str, str],
    blocked: frozenset[str] = NEVER_PROPAGATED,
) -> None:
    rule = compiled.rule
    if rule.propagate is not None:
        propagate = rule.propagate
        if compiled.pattern is not None:
            for name, header_value in incoming.items():
                if name not in blocked and compiled.pattern.fullmatch(name):
                    outgoing[name] = header_value
            return
        assert propagate.named is not None
        source = propagate.named.lower()
        target = (propagate.rename or propagate.named).lower()
        if source in blocked:
            return
        found = incoming.get(source)
        chosen = found if found is not None else propagate.default
        if chosen is not None:
            outgoing[target] = chosen
    elif rule.insert is not None:
        outgoing[rule.insert.name.lower()] = rule.insert.value
    elif rule.remove is not None:
        if compiled.pattern is not None:
            for name in [name for name in outgoing if compiled.pattern.fullmatch(name)]:
                del outgoing[name]
        elif rule.remove.named is not None:
            outgoing.pop(rule.remove.named.lower(), None)
