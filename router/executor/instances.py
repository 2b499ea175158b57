"""The instances of each subgraph: which one takes the next request, and which are ejected.

A subgraph may run as several instances (processes behind their own URLs), listed by the
registry or by the configuration. Each instance has its own connection pool. A request goes to
the next available instance (round robin) or to the one with the fewest requests in flight;
an instance whose requests keep failing is ejected for a while (``BalancingPolicy``), and one
the registry reports unhealthy takes no requests. When no instance is available, the healthy
one whose ejection ends first is tried rather than failing the request unsent.

The set is shared by every supergraph the router serves in turn, so pools and ejections
survive a supergraph reload; the registry replaces the instance list as it changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from router.executor.http_pool import ConnectionPool
from router.executor.traffic import BalancingPolicy, InstanceListener

logger = logging.getLogger("fedra.executor.instances")

# Builds the connection pool of one instance: (subgraph, url) -> pool.
PoolFactory = Callable[[str, str], ConnectionPool]


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    """An instance as the registry or the configuration lists it."""

    id: str
    url: str
    healthy: bool = True


class Instance:
    """One instance of a subgraph, its pool and its ejection state."""

    __slots__ = (
        "ejected_until",
        "ejections",
        "failures",
        "healthy",
        "id",
        "in_flight",
        "pool",
        "probation",
        "url",
    )

    def __init__(self, spec: InstanceSpec, pool: ConnectionPool) -> None:
        self.id = spec.id
        self.url = spec.url
        self.healthy = spec.healthy
        self.pool = pool
        self.in_flight = 0
        self.failures = 0  # consecutive
        self.ejections = 0  # consecutive: the next ejection lasts longer
        self.ejected_until = 0.0
        self.probation = False  # back from an ejection: one failure ejects it again

    def available(self, now: float) -> bool:
        return self.healthy and now >= self.ejected_until


class InstanceSet:
    """The instances of one subgraph."""

    def __init__(
        self,
        service: str,
        policy: BalancingPolicy,
        listener: InstanceListener | None = None,
    ) -> None:
        self.service = service
        self.policy = policy
        self._listener = listener
        self.instances: list[Instance] = []
        self._turn = 0

    def pick(self, tried: Sequence[Instance] = ()) -> Instance | None:
        """The instance for the next request, not one of ``tried``; None when none is left."""
        now = time.monotonic()
        left = [instance for instance in self.instances if instance not in tried]
        if not left:
            return None
        candidates = [instance for instance in left if instance.available(now)]
        if not candidates:  # all ejected or unhealthy: try the one closest to coming back
            healthy = [instance for instance in left if instance.healthy] or left
            return min(healthy, key=lambda instance: instance.ejected_until)
        self._turn += 1
        start = self._turn % len(candidates)
        if self.policy.strategy == "round_robin":
            return candidates[start]
        ordered = candidates[start:] + candidates[:start]  # ties go round robin
        return min(ordered, key=lambda instance: instance.in_flight)

    def record(self, instance: Instance, failed: bool) -> None:
        """The outcome of one request sent to ``instance``."""
        listener = self._listener
        if listener is not None:
            listener.instance_fetched(self.service, instance.id, failed)
        if not failed:
            instance.failures = 0
            if instance.probation:
                instance.probation = False
                instance.ejections = 0
                if listener is not None:
                    listener.instance_ejected(self.service, instance.id, False)
            return
        instance.failures += 1
        now = time.monotonic()
        if now < instance.ejected_until:
            return  # tried while ejected (nothing else was left): the ejection stands
        if instance.probation or instance.failures >= self.policy.failure_threshold:
            self._eject(instance, now)

    def _eject(self, instance: Instance, now: float) -> None:
        policy = self.policy
        seconds = min(
            policy.max_ejection_seconds, policy.ejection_seconds * (2**instance.ejections)
        )
        instance.ejections += 1
        instance.ejected_until = now + seconds
        instance.failures = 0
        instance.probation = True
        logger.warning(
            "instance %r of subgraph %r ejected for %.1fs",
            instance.id,
            self.service,
            seconds,
            extra={"subgraph": self.service, "instance": instance.id, "seconds": seconds},
        )
        if self._listener is not None:
            self._listener.instance_ejected(self.service, instance.id, True)


class InstanceDirectory:
    """The instance sets of every subgraph that has them, shared across supergraph reloads."""

    def __init__(
        self,
        policy_of: Callable[[str], BalancingPolicy],
        pool_factory: PoolFactory,
        listener: InstanceListener | None = None,
    ) -> None:
        self._policy_of = policy_of
        self._pool_factory = pool_factory
        self._listener = listener
        self._sets: dict[str, InstanceSet] = {}
        self.version = 0  # bumped on every change of an instance list

    def get(self, service: str) -> InstanceSet | None:
        """The instances of ``service``; None when it has none listed (its routing URL serves)."""
        found = self._sets.get(service)
        if found is None or not found.instances:
            return None
        return found

    def services(self) -> list[str]:
        return sorted(name for name, found in self._sets.items() if found.instances)

    def set_instances(self, service: str, specs: Iterable[InstanceSpec]) -> None:
        """Replace the instances of ``service``. An instance kept (same id and URL) keeps its
        pool, in-flight count and ejection; a removed one's pool closes once idle."""
        found = self._sets.get(service)
        if found is None:
            found = self._sets[service] = InstanceSet(
                service, self._policy_of(service), self._listener
            )
        current = {(instance.id, instance.url): instance for instance in found.instances}
        kept: list[Instance] = []
        for spec in specs:
            instance = current.pop((spec.id, spec.url), None)
            if instance is None:
                try:
                    pool = self._pool_factory(service, spec.url)
                except ValueError as error:
                    logger.error("instance %r of subgraph %r ignored: %s", spec.id, service, error)
                    continue
                instance = Instance(spec, pool)
                if self._listener is not None:
                    self._listener.instance_ejected(service, instance.id, False)
            instance.healthy = spec.healthy
            kept.append(instance)
        for removed in current.values():
            removed.pool.close()
        changed = [(i.id, i.url, i.healthy) for i in found.instances] != [
            (i.id, i.url, i.healthy) for i in kept
        ]
        found.instances = kept
        if changed:
            self.version += 1
            logger.info(
                "instances of subgraph %r: %s",
                service,
                ", ".join(f"{i.id}{'' if i.healthy else ' (unhealthy)'}" for i in kept) or "none",
                extra={"subgraph": service, "instances": [i.id for i in kept]},
            )

    def close(self) -> None:
        for found in self._sets.values():
            for instance in found.instances:
                instance.pool.close()
            found.instances = []
