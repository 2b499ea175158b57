"""What a subgraph's ``Cache-Control`` header allows the router to keep (RFC 9111, the
response directives a shared cache honours)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachePolicy:
    no_store: bool = False  # no-store or no-cache: never keep it
    private: bool = False  # for one caller only: kept per verified caller, never shared
    max_age: float | None = None  # seconds (s-maxage wins over max-age for a shared cache)

    @property
    def storable(self) -> bool:
        return not self.no_store and (self.max_age is None or self.max_age > 0)


NO_HEADER = CachePolicy()


def parse_cache_control(value: str | None) -> CachePolicy:
    if not value:
        return NO_HEADER
    no_store = private = False
    max_age: float | None = None
    shared_max_age: float | None = None
    for directive in value.split(","):
        name, _, argument = directive.strip().partition("=")
        name = name.strip().lower()
        argument = argument.strip().strip('"')
        if name in ("no-store", "no-cache"):
            no_store = True
        elif name == "private":
            private = True
        elif name in ("max-age", "s-maxage"):
            try:
                seconds = max(0.0, float(int(argument)))
            except ValueError:
                no_store = True  # an unreadable lifetime: do not guess one
                continue
            if name == "max-age":
                max_age = seconds if max_age is None else min(max_age, seconds)
            else:
                shared_max_age = seconds
    if shared_max_age is not None:
        max_age = shared_max_age
    return CachePolicy(no_store=no_store, private=private, max_age=max_age)
