"""Running a compiled plan: fetches in sequence or in parallel, results merged in place."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import orjson

from router.executor.compiled_plan import (
    CompiledFetch,
    CompiledFlatten,
    CompiledNode,
    CompiledParallel,
    CompiledPlan,
    CompiledSequence,
)
from router.executor.context_values import (
    cached_batched_operation,
    group_by_context,
    split_batched_response,
)
from router.executor.entity_cache import EntityCache
from router.executor.errors import (
    SUBREQUEST_MALFORMED_RESPONSE,
    GraphQLErrorDict,
    fetch_failure,
    from_subgraph,
    subgraph_path,
)
from router.executor.fetch_keys import fetch_keys
from router.executor.fetcher import FetchResult, SubgraphFetcher
from router.executor.flatten import ResponseKeyPath, Target, objects_at
from router.executor.merge import DeepMerger
from router.executor.representations import CollectedRepresentations, collect_representations
from router.executor.rewrites import apply_rewrites


class PlanExecution:
    """One run of a plan: the response data being assembled and the errors met so far."""

    __slots__ = (
        "_cache",
        "_conditions",
        "_fetcher",
        "_headers",
        "_merger",
        "_private_id",
        "_variables",
        "data",
        "errors",
        "explained_nulls",
    )

    def __init__(
        self,
        fetcher: SubgraphFetcher,
        merger: DeepMerger,
        variables: Mapping[str, Any],
        condition_values: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        cache: EntityCache | None = None,
        private_id: str | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._cache = cache
        self._private_id = private_id
        self._merger = merger
        self._variables = variables
        self._conditions = condition_values
        self._headers = headers
        self.data: dict[str, Any] = {}
        self.errors: list[GraphQLErrorDict] = []
        # Paths of values a fetch left null and its own errors explain: a non-null field there
        # (or below) gets no error of its own from the response shaper.
        self.explained_nulls: set[ResponseKeyPath] = set()

    async def run(self, plan: CompiledPlan) -> None:
        if plan.root is not None:
            await self._run(plan.root, [(self.data, ())])

    async def run_event(
        self, primary: CompiledFetch, response: dict[str, Any], rest: CompiledNode | None
    ) -> None:
        """One subscription event: ``response`` is the primary fetch's result for it, merged
        as a root fetch's; ``rest`` then runs on that data (batched: one fetch per node)."""
        self._merge_root(primary, response.get("data"), [(self.data, ())], response.get("errors"))
        if rest is not None and self.data:
            await self._run(rest, [(self.data, ())])

    async def _run(self, node: CompiledNode, targets: list[Target]) -> None:
        if isinstance(node, CompiledFetch):
            await self._fetch(node, targets)
        elif isinstance(node, CompiledFlatten):
            found = objects_at(targets, node.steps)
            for steps in node.more_steps:
                found = found + objects_at(targets, steps)
            if found:
                await self._run(node.node, found)
        elif isinstance(node, CompiledSequence):
            for child in node.nodes:
                await self._run(child, targets)
        elif isinstance(node, CompiledParallel):
            if len(node.nodes) == 1:
                await self._run(node.nodes[0], targets)
            else:
                await asyncio.gather(*(self._run(child, targets) for child in node.nodes))
        else:
            branch = node.if_clause if self._conditions.get(node.variable) else node.else_clause
            if branch is not None:
                await self._run(branch, targets)

    def _forwarded(self, fetch: CompiledFetch) -> dict[str, Any]:
        variables = self._variables
        return {name: variables[name] for name in fetch.variable_usages if name in variables}

    async def _fetch(
        self,
        fetch: CompiledFetch,
        targets: list[Target],
        context: dict[str, Any] | None = None,
    ) -> None:
        if context is None and fetch.node.context_values:
            await self._fetch_in_contexts(fetch, targets)
            return
        variables = self._forwarded(fetch)
        if context:
            variables.update(context)
        collected: CollectedRepresentations | None = None
        if fetch.representation is not None:
            collected = collect_representations(targets, fetch.representation, fetch.input_rewrites)
            if not collected.representations:
                return
            cache = self._cache
            # cached entities are keyed by representation alone: context values bypass it
            if cache is not None and context is None and cache.enabled_for(fetch.service):
                await self._fetch_entities_cached(fetch, variables, collected, cache)
                return
            variables["representations"] = collected.representations
        result = await self._fetcher.fetch(
            fetch.service, fetch.body(variables), self._headers, mutation=fetch.mutation
        )
        if result.failure is not None:
            self.errors.append(result.failure)
            return
        response = result.response
        assert response is not None
        data = response.get("data")
        errors = response.get("errors")
        if collected is not None:
            self._merge_entities(fetch, data, collected, errors)
        else:
            self._merge_root(fetch, data, targets, errors)

    async def _fetch_in_contexts(self, fetch: CompiledFetch, targets: list[Target]) -> None:
        """An entity fetch with @fromContext values: the entities grouped by the values they
        need; one group is a plain fetch, several share one request (an aliased `_entities`
        per group, see context_values.batched_operation)."""
        assert fetch.representation is not None
        groups: list[tuple[dict[str, Any], CollectedRepresentations]] = []
        for values, part in group_by_context(self.data, targets, fetch.node.context_values):
            collected = collect_representations(part, fetch.representation, fetch.input_rewrites)
            if collected.representations:
                groups.append((values, collected))
        if len(groups) <= 1:
            if groups:
                values, _ = groups[0]
                await self._fetch(fetch, targets, values)
            return
        batched = cached_batched_operation(fetch.node.operation, len(groups))
        variables = self._forwarded(fetch)
        for index, (values, collected) in enumerate(groups):
            variables.update(batched.variables_of(index, collected.representations, values))
        head: dict[str, Any] = {"query": batched.text}
        if fetch.node.operation_name:
            head["operationName"] = fetch.node.operation_name
        head["variables"] = variables
        result = await self._fetcher.fetch(fetch.service, orjson.dumps(head), self._headers)
        if result.failure is not None:
            self.errors.append(result.failure)
            return
        assert result.response is not None
        answers = split_batched_response(result.response, len(groups))
        for (_, collected), (data, errors) in zip(groups, answers, strict=True):
            self._merge_entities(fetch, data, collected, errors)

    async def _fetch_entities_cached(
        self,
        fetch: CompiledFetch,
        variables: dict[str, Any],
        collected: CollectedRepresentations,
        cache: EntityCache,
    ) -> None:
        """An ``_entities`` fetch through the entity cache: cached answers are merged, the
        rest fetched (when any) and kept as the subgraph's ``Cache-Control`` allows."""
        lookup = await cache.lookup(
            fetch.service,
            fetch.body_prefix,
            variables,
            collected.representations,
            self._headers,
            self._private_id,
        )
        if lookup is None:  # not cacheable for this caller: an ordinary fetch
            variables["representations"] = collected.representations
            result = await self._fetcher.fetch(fetch.service, fetch.body(variables), self._headers)
            self._merge_fetched_entities(fetch, result, collected)
            return
        missing = [index for index, hit in enumerate(lookup.hits) if hit is None]
        if len(missing) < len(lookup.hits):
            hits = CollectedRepresentations(
                [r for r, hit in zip(collected.representations, lookup.hits, strict=True) if hit],
                [o for o, hit in zip(collected.origins, lookup.hits, strict=True) if hit],
            )
            cached = {"_entities": [hit for hit in lookup.hits if hit is not None]}
            self._merge_entities(fetch, cached, hits, None)
        if not missing:
            return
        misses = CollectedRepresentations(
            [collected.representations[index] for index in missing],
            [collected.origins[index] for index in missing],
        )
        variables["representations"] = misses.representations
        result = await self._fetcher.fetch(fetch.service, fetch.body(variables), self._headers)
        answers = _storable_answers(result.response, len(missing))
        # encoded before merging: merging may share (and later change) the entity objects
        self._merge_fetched_entities(fetch, result, misses)
        if answers:
            await cache.store_answers(
                lookup,
                {missing[slot]: value for slot, value in answers.items()},
                result.cache_control,
                self._private_id,
            )

    def _merge_fetched_entities(
        self, fetch: CompiledFetch, result: FetchResult, collected: CollectedRepresentations
    ) -> None:
        if result.failure is not None:
            self.errors.append(result.failure)
            return
        response = result.response
        assert response is not None
        self._merge_entities(fetch, response.get("data"), collected, response.get("errors"))

    def _merge_root(
        self, fetch: CompiledFetch, data: Any, targets: list[Target], errors: Any
    ) -> None:
        if isinstance(errors, list):
            prefix = list(targets[0][1]) if len(targets) == 1 else None
            for error in errors:
                path = subgraph_path(error)
                client_path = None if path is None or prefix is None else [*prefix, *path]
                self.errors.append(from_subgraph(error, fetch.service, client_path))
            if errors:
                self._explain_root_nulls(fetch, data, targets, errors)
        if type(data) is not dict:
            return
        if fetch.output_rewrites:
            apply_rewrites(data, fetch.output_rewrites)
        merge = self._merger.merge
        for obj, _ in targets:
            merge(obj, data)

    def _merge_entities(
        self,
        fetch: CompiledFetch,
        data: Any,
        collected: CollectedRepresentations,
        errors: Any,
    ) -> None:
        count = len(collected.representations)
        if isinstance(errors, list):
            for error in errors:
                path = subgraph_path(error)
                index = _entity_index(path, count)
                if path is not None and index is not None:
                    rest = path[2:]
                    for origin in collected.paths_of(index):
                        client_path = [*origin, *rest]
                        self.errors.append(from_subgraph(error, fetch.service, client_path))
                else:
                    self.errors.append(from_subgraph(error, fetch.service, None))
            if errors:
                self._explain_entity_nulls(fetch, data, collected, errors)
        entities = data.get("_entities") if type(data) is dict else None
        if type(entities) is not list:
            if not errors:
                self.errors.append(
                    fetch_failure(
                        fetch.service,
                        f"Invalid GraphQL response from '{fetch.service}': no _entities",
                        SUBREQUEST_MALFORMED_RESPONSE,
                    )
                )
            return
        if len(entities) != count:
            self.errors.append(
                fetch_failure(
                    fetch.service,
                    f"Invalid GraphQL response from '{fetch.service}': "
                    f"{len(entities)} entities for {count} representations",
                    SUBREQUEST_MALFORMED_RESPONSE,
                )
            )
            return
        merge = self._merger.merge
        rewrites = fetch.output_rewrites
        representations = collected.representations
        for index, entity in enumerate(entities):
            if type(entity) is not dict:
                continue
            if rewrites:
                apply_rewrites(entity, rewrites, representations[index].get("__typename"))
            for obj, _ in collected.origins[index]:
                merge(obj, entity)

    def _explain_root_nulls(
        self, fetch: CompiledFetch, data: Any, targets: list[Target], errors: list[Any]
    ) -> None:
        """Record the keys of this root fetch that came back null with an error about them.

        ``data: null`` leaves every key null (the subgraph's null reached its root), and its
        errors explain them all; otherwise a null key is explained by an error whose path starts
        at it or by an error without a path.
        """
        keys = fetch_keys(fetch.node.operation, entities=False).for_type(None)
        if type(data) is dict:
            paths = [subgraph_path(error) for error in errors]
            anywhere = any(not path for path in paths)
            pointed = {path[0] for path in paths if path}
            keys = frozenset(
                key for key in keys if data.get(key) is None and (anywhere or key in pointed)
            )
        explained = self.explained_nulls
        for _, path in targets:
            explained.update((*path, key) for key in keys)

    def _explain_entity_nulls(
        self,
        fetch: CompiledFetch,
        data: Any,
        collected: CollectedRepresentations,
        errors: list[Any],
    ) -> None:
        """Record, on each object sent as a representation, the keys of this fetch that came
        back null with an error about them.

        No ``_entities`` list: every key of every object. A null entity: its keys, when an error
        points at that entity or at none. A null key of an entity: when an error points at none
        (an error at the key itself is already at that path).
        """
        representations = collected.representations
        count = len(representations)
        entities = data.get("_entities") if type(data) is dict else None
        if type(entities) is list and len(entities) != count:
            return  # a malformed answer: nothing was merged, nothing can be explained
        pointed: set[int] = set()
        anywhere = False
        for error in errors:
            index = _entity_index(subgraph_path(error), count)
            if index is None:
                anywhere = True
            else:
                pointed.add(index)
        keys = fetch_keys(fetch.node.operation, entities=True)
        explained = self.explained_nulls
        for index, representation in enumerate(representations):
            names = keys.for_type(representation.get("__typename"))
            entity = entities[index] if type(entities) is list else None
            if type(entity) is dict:
                if not anywhere:
                    continue
                names = frozenset(name for name in names if entity.get(name) is None)
            elif type(entities) is list and not anywhere and index not in pointed:
                continue  # a null entity no error is about: not found, not explained
            for path in collected.paths_of(index):
                explained.update((*path, name) for name in names)


def _storable_answers(response: dict[str, Any] | None, count: int) -> dict[int, bytes]:
    """The entities of an ``_entities`` answer that may be cached, as JSON by index: none when
    the answer is malformed or has an error about no particular entity; never one that an error
    is about, nor a null."""
    if response is None:
        return {}
    data = response.get("data")
    entities = data.get("_entities") if type(data) is dict else None
    if type(entities) is not list or len(entities) != count:
        return {}
    errors = response.get("errors")
    spoiled: set[int] = set()
    if isinstance(errors, list):
        for error in errors:
            index = _entity_index(subgraph_path(error), count)
            if index is None:
                return {}
            spoiled.add(index)
    dumps = orjson.dumps
    return {
        index: dumps(entity)
        for index, entity in enumerate(entities)
        if type(entity) is dict and index not in spoiled
    }


def _entity_index(path: list[Any] | None, count: int) -> int | None:
    """The index of the representation a subgraph error's ``path`` points at, if any."""
    if path is not None and len(path) >= 2 and path[0] == "_entities":
        index = path[1]
        if type(index) is int and 0 <= index < count:
            return index
    return None


async def execute_plan(
    plan: CompiledPlan,
    fetcher: SubgraphFetcher,
    merger: DeepMerger,
    *,
    variables: Mapping[str, Any],
    condition_values: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    cache: EntityCache | None = None,
    private_id: str | None = None,
) -> PlanExecution:
    """Run ``plan``; the returned execution holds the merged data and the errors."""
    execution = PlanExecution(
        fetcher,
        merger,
        variables,
        variables if condition_values is None else condition_values,
        headers,
        cache,
        private_id,
    )
    await execution.run(plan)
    return execution
