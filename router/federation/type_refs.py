"""GraphQL type references as the supergraph and subgraph models keep them: ``[Product!]!``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A parsed type reference: a named type, possibly wrapped in lists and non-null."""

    named: str  # the innermost named type: ``Product``
    non_null: bool = False  # the outermost wrapper is ``!``
    item: TypeRef | None = None  # the element type when this is a list

    @property
    def is_list(self) -> bool:
        return self.item is not None

    @property
    def list_depth(self) -> int:
        """How many lists wrap the named type (``[[Int]!]`` → 2)."""
        depth = 0
        item = self.item
        while item is not None:
            depth += 1
            item = item.item
        return depth

    @property
    def nullable(self) -> TypeRef:
        """The same reference without its outermost ``!``."""
        return TypeRef(self.named, False, self.item) if self.non_null else self

    def print(self) -> str:
        inner = f"[{self.item.print()}]" if self.item is not None else self.named
        return inner + "!" if self.non_null else inner


def parse_type_ref(text: str) -> TypeRef:
    """Read ``[Product!]!``; surrounding whitespace is ignored, brackets are not checked."""
    text = text.strip()
    non_null = text.endswith("!")
    if non_null:
        text = text[:-1].rstrip()
    if text.startswith("[") and text.endswith("]"):
        item = parse_type_ref(text[1:-1])
        return TypeRef(item.named, non_null, item)
    return TypeRef(text.replace("[", "").replace("]", "").replace("!", "").strip(), non_null)


def named_type(text: str) -> str:
    """The named type of a reference: ``[Product!]!`` → ``Product``."""
    return parse_type_ref(text).named


class TypeRefs:
    """Type references parsed once per distinct text, for the owner's lifetime."""

    def __init__(self) -> None:
        self._parsed: dict[str, TypeRef] = {}

    def get(self, text: str) -> TypeRef:
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse_type_ref(text)
        return parsed
