"""The entity cache: which ``_entities`` answers may be reused, under which key, for how long.

A key names everything that changes an entity's answer: the subgraph, the fetch's operation
(its selection), the fetch's other variables, the forwarded request headers that are not
identity (identity is handled as privacy, below), and the representation. Answers a subgraph
marks ``Cache-Control: private`` are kept per verified caller (``private_id``) and never for
anonymous callers; once a fetch has answered privately, every later lookup of it is per caller.
``no-store`` (or ``max-age=0``) answers are not kept; ``max-age`` caps the configured lifetime.
Entities with an error about them are never kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.executor.entity_cache.cache_control import parse_cache_control
from router.executor.entity_cache.stores import EntityStore, StoredEntity
from router.federation.field_sets import FieldSetError
from router.supergraph.model import Supergraph

IDENTITY_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "x-fedra-claims",
        "x-fedra-claims-signature",
        "traceparent",
        "tracestate",
    }
)


@dataclass(frozen=True, slots=True)
class SubgraphCacheOptions:
    enabled: bool = True
    ttl: float = 60.0  # seconds, when the subgraph sends no shorter max-age
    type_ttls: Mapping[str, float] = field(default_factory=dict)

    def ttl_for(self, typename: str) -> float:
        return self.type_ttls.get(typename, self.ttl)


@dataclass(frozen=True, slots=True)
class EntityCacheOptions:
    default: SubgraphCacheOptions = SubgraphCacheOptions()
    subgraphs: Mapping[str, SubgraphCacheOptions] = field(default_factory=dict)
    # Request headers that never enter a key (identity is privacy: see the module docstring).
    ignored_headers: frozenset[str] = IDENTITY_HEADERS

    def for_subgraph(self, name: str) -> SubgraphCacheOptions:
        return self.subgraphs.get(name, self.default)


class EntityCacheStats:
    """Hits and misses per (subgraph, type), shared across supergraph reloads."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], list[int]] = {}

    def count(self, subgraph: str, typename: str, *, hit: bool) -> None:
        entry = self.counts.get((subgraph, typename))
        if entry is None:
            entry = self.counts[(subgraph, typename)] = [0, 0]
        entry[0 if hit else 1] += 1


@dataclass(slots=True)
class CacheLookup:
    """The keys of one fetch's representations and the cached answers found (None: a miss)."""

    service: str
    fetch_id: tuple[str, bytes]
    prefix: bytes
    private: bool  # looked up per caller
    representations: Sequence[dict[str, Any]]
    encoded: list[bytes]  # each representation as canonical JSON
    keys: list[str]
    typenames: list[str]
    hits: list[dict[str, Any] | None]


def _key(prefix: bytes, private_id: str | None, encoded: bytes) -> str:
    scope = private_id.encode() if private_id is not None else b""
    return hashlib.sha256(prefix + scope + b"\x00" + encoded).hexdigest()


class EntityCache:
    """Reads and writes cached entities of one supergraph in a (shared) store."""

    def __init__(
        self,
        supergraph: Supergraph,
        store: EntityStore,
        options: EntityCacheOptions | None = None,
        stats: EntityCacheStats | None = None,
        vary_headers: Callable[[str], Mapping[str, str]] | None = None,
    ) -> None:
        """``vary_headers(subgraph)`` gives the headers the current request forwards to that
        subgraph (header propagation), which are part of every key too."""
        self.store = store
        self.vary_headers = vary_headers
        self.options = options or EntityCacheOptions()
        self.stats = stats or EntityCacheStats()
        self._key_fields = _key_fields(supergraph)
        self._operation_ids: dict[bytes, str] = {}
        # Fetches (subgraph, operation) that answered privately once: looked up per caller only.
        self._private_fetches: set[tuple[str, bytes]] = set()

    def enabled_for(self, service: str) -> bool:
        return self.options.for_subgraph(service).enabled

    async def lookup(
        self,
        service: str,
        operation: bytes,
        variables: Mapping[str, Any],
        representations: Sequence[dict[str, Any]],
        headers: Mapping[str, str] | None,
        private_id: str | None,
    ) -> CacheLookup | None:
        """The cached answers for ``representations``; None when this fetch cannot use the
        cache (a private fetch for an anonymous caller)."""
        fetch_id = (service, operation)
        private = fetch_id in self._private_fetches
        if private and private_id is None:
            return None
        prefix = self._key_prefix(service, operation, variables, headers)
        scope = private_id if private else None
        dumps = orjson.dumps
        encoded = [dumps(r, option=orjson.OPT_SORT_KEYS) for r in representations]
        keys = [_key(prefix, scope, raw) for raw in encoded]
        typenames = [_typename(r) for r in representations]
        found = await self.store.get_many(keys)
        hits: list[dict[str, Any] | None] = []
        count = self.stats.count
        for typename, value in zip(typenames, found, strict=True):
            entity = orjson.loads(value) if value is not None else None
            hit = entity if isinstance(entity, dict) else None
            hits.append(hit)
            count(service, typename, hit=hit is not None)
        return CacheLookup(
            service, fetch_id, prefix, private, representations, encoded, keys, typenames, hits
        )

    async def store_answers(
        self,
        lookup: CacheLookup,
        answers: Mapping[int, bytes],
        cache_control: str | None,
        private_id: str | None,
    ) -> None:
        """Keep fetched answers: ``answers[i]`` is the entity JSON for representation ``i``
        (only those that may be kept)."""
        policy = parse_cache_control(cache_control)
        if policy.private:
            self._private_fetches.add(lookup.fetch_id)
        if not policy.storable or not answers:
            return
        private = policy.private or lookup.private
        if private and private_id is None:
            return
        options = self.options.for_subgraph(lookup.service)
        entries: list[StoredEntity] = []
        for index, value in answers.items():
            typename = lookup.typenames[index]
            ttl = options.ttl_for(typename)
            if policy.max_age is not None:
                ttl = min(ttl, policy.max_age)
            if ttl <= 0:
                continue
            key = (
                lookup.keys[index]
                if private == lookup.private
                else _key(lookup.prefix, private_id, lookup.encoded[index])
            )
            tags = self._tags(lookup.service, typename, lookup.representations[index])
            entries.append(StoredEntity(key, value, ttl, tags))
        await self.store.set_many(entries)

    def _key_prefix(
        self,
        service: str,
        operation: bytes,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
    ) -> bytes:
        operation_id = self._operation_ids.get(operation)
        if operation_id is None:
            operation_id = hashlib.sha256(operation).hexdigest()
            self._operation_ids[operation] = operation_id
        ignored = self.options.ignored_headers
        sent = dict(headers or {})
        if self.vary_headers is not None:
            sent.update(self.vary_headers(service))
        forwarded = sorted(
            (name.lower(), value) for name, value in sent.items() if name.lower() not in ignored
        )
        prefix = b"\x00".join(
            (
                service.encode(),
                operation_id.encode(),
                orjson.dumps(dict(variables), option=orjson.OPT_SORT_KEYS),
                orjson.dumps(forwarded),
                b"",
            )
        )
        return prefix

    def _tags(
        self, service: str, typename: str, representation: Mapping[str, Any]
    ) -> tuple[str, ...]:
        tags = [type_tag(service, typename)]
        for names in self._key_fields.get((service, typename), ()):
            if all(name in representation for name in names):
                key = {name: representation[name] for name in names}
                tags.append(entity_tag(service, typename, key))
        return tuple(tags)


def type_tag(subgraph: str, typename: str) -> str:
    """The tag of every cached entity of ``typename`` from ``subgraph``."""
    return f"{subgraph}|{typename}"


def entity_tag(subgraph: str, typename: str, key: Mapping[str, Any]) -> str:
    """The tag of the cached answers about one entity, by one of its keys' values."""
    encoded = orjson.dumps(dict(key), option=orjson.OPT_SORT_KEYS).decode()
    return f"{subgraph}|{typename}|{encoded}"


def _typename(representation: Mapping[str, Any]) -> str:
    typename = representation.get("__typename")
    return typename if isinstance(typename, str) else ""


def _key_fields(supergraph: Supergraph) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """The top-level field names of every key, per (subgraph name, type name)."""
    found: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for named in supergraph.types.values():
        for subgraph, definition in named.graphs.items():
            for key in definition.keys:
                try:
                    selections = supergraph.field_sets.parse(key.fields).selections
                except FieldSetError:
                    continue
                names = tuple(s.name for s in selections if s.type_condition is None)
                if names:
                    found.setdefault((subgraph, named.name), []).append(names)
    return found
