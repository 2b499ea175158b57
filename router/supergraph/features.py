"""Which linked features the router implements, and refusing supergraphs that need others.

A feature linked ``for: SECURITY`` or ``for: EXECUTION`` changes what a correct answer is (who
may see a field, how it is fetched); serving such a supergraph while ignoring the feature would
answer wrongly, so a supergraph that links one the router does not implement is refused, naming
it. Features linked without a purpose (``@tag``, ``@cost``/``@listSize``) are metadata: kept,
printed, and never a reason to refuse.

- ``link`` v1.0 and ``core`` v0.1/v0.2: how features are linked.
- ``join`` v0.1 to v0.5: planning and execution, v0.5's ``contextArguments`` included.
- ``inaccessible`` v0.1/v0.2: removed from the API schema.
- ``authenticated``, ``requiresScopes``, ``policy`` v0.1: enforced by router authorization.
- ``context`` v0.1: ``@context`` types and ``@fromContext`` arguments, planned and executed
  (values read from the object setting the context, sent per entity).
"""

from __future__ import annotations

from collections.abc import Iterable

from router.supergraph.model import Link

PURPOSES_THAT_MATTER = frozenset({"SECURITY", "EXECUTION"})

IMPLEMENTED_FEATURES: dict[str, frozenset[str]] = {
    "link": frozenset({"v1.0"}),
    "core": frozenset({"v0.1", "v0.2"}),
    "join": frozenset({"v0.1", "v0.2", "v0.3", "v0.4", "v0.5"}),
    "inaccessible": frozenset({"v0.1", "v0.2"}),
    "tag": frozenset({"v0.1", "v0.2", "v0.3"}),
    "authenticated": frozenset({"v0.1"}),
    "requiresScopes": frozenset({"v0.1"}),
    "policy": frozenset({"v0.1"}),
    "context": frozenset({"v0.1"}),
}


def unsupported_features(links: Iterable[Link]) -> list[Link]:
    """The links for SECURITY or EXECUTION whose feature (at that version) is not implemented."""
    return [
        link
        for link in links
        if link.purpose in PURPOSES_THAT_MATTER
        and link.version not in IMPLEMENTED_FEATURES.get(link.name, frozenset())
    ]


def unsupported_features_message(links: Iterable[Link]) -> str | None:
    """Why a supergraph with these links cannot be served, or None when it can."""
    unsupported = unsupported_features(links)
    if not unsupported:
        return None
    described = ", ".join(f"{link.url} (for: {link.purpose})" for link in unsupported)
    plural = "s" if len(unsupported) > 1 else ""
    return (
        f"the supergraph links feature{plural} the router does not support: {described}; "
        "serving it would ignore what the feature requires"
    )
