"""Which directive names a supergraph uses for each linked feature (``@link`` / ``@core``).

A feature linked as ``https://specs.apollo.dev/join/v0.3`` names its directives ``@join__type``,
``@join__field``…; ``as:`` renames the prefix, and ``import:`` can bring a directive in under
its bare (or another) name. ``FeatureNames`` answers "what is this feature's directive X called
here?" and "is this directive or type part of the federation machinery?".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    value_from_ast_untyped,
)

from router.supergraph.model import Link

MACHINERY_FEATURES = frozenset({"link", "core", "join", "inaccessible", "tag"})


def directive_arguments(node: DirectiveNode) -> dict[str, object]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}


def _import_entries(value: ValueNode | None) -> list[tuple[str, str]]:
    """``import: ["@key", {name: "@tag", as: "@mytag"}]`` → [(name, local name)]."""
    if value is None:
        return []
    items = value.values if isinstance(value, ListValueNode) else (value,)
    entries: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, StringValueNode):
            entries.append((item.value, item.value))
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name_node = fields.get("name")
            alias_node = fields.get("as")
            if isinstance(name_node, StringValueNode):
                local = alias_node.value if isinstance(alias_node, StringValueNode) else None
                entries.append((name_node.value, local or name_node.value))
    return entries


def read_link(node: DirectiveNode) -> Link | None:
    """An ``@link(url:, as:, for:, import:)`` or Federation 1 ``@core(feature:, as:, for:)``."""
    args = {arg.name.value: arg.value for arg in node.arguments or ()}
    url_node = args.get("url") or args.get("feature")
    if not isinstance(url_node, StringValueNode):
        return None
    alias = args.get("as")
    purpose = args.get("for")
    imports = tuple(f"{name}={local}" for name, local in _import_entries(args.get("import")))
    return Link(
        url=url_node.value,
        alias=alias.value if isinstance(alias, StringValueNode) else None,
        purpose=getattr(purpose, "value", None),
        imports=imports,
    )


@dataclass(slots=True)
class FeatureNames:
    """Local names of the linked features' directives and types."""

    links: list[Link]
    _by_feature: dict[str, Link] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for link in self.links:
            self._by_feature.setdefault(link.name, link)

    def has(self, feature: str) -> bool:
        return feature in self._by_feature

    def version(self, feature: str) -> str | None:
        link = self._by_feature.get(feature)
        return link.version if link else None

    def directive(self, feature: str, name: str) -> str:
        """Local name of directive ``name`` of ``feature`` (``name == feature`` for its root)."""
        link = self._by_feature.get(feature)
        if link is None:
            return name if name == feature else f"{feature}__{name}"
        for entry in link.imports:
            original, local = entry.split("=", 1)
            if original == f"@{name}":
                return local.lstrip("@")
        if name == feature:
            return link.prefix
        return f"{link.prefix}__{name}"

    def is_machinery_directive(self, name: str) -> bool:
        if name in ("link", "core"):
            return True
        for link in self.links:
            if link.name not in MACHINERY_FEATURES:
                continue
            if name == link.prefix or name.startswith(f"{link.prefix}__"):
                return True
            if any(entry.split("=", 1)[1].lstrip("@") == name for entry in link.imports):
                return True
        return False

    def is_machinery_type(self, name: str) -> bool:
        if name.startswith(("link__", "core__", "join__")):
            return True
        return any(
            link.name in MACHINERY_FEATURES and name.startswith(f"{link.prefix}__")
            for link in self.links
        )

    def is_linked_directive(self, name: str) -> bool:
        """Directive owned by any linked feature (e.g. ``@authenticated``), machinery or not."""
        for link in self.links:
            if name == link.prefix or name.startswith(f"{link.prefix}__"):
                return True
            if any(entry.split("=", 1)[1].lstrip("@") == name for entry in link.imports):
                return True
        return False
