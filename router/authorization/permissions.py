"""What one caller is allowed, reduced to what the supergraph can tell apart.

Two callers with equal ``Permissions`` see exactly the same fields, so prepared operations are
cached by it: the authenticated flag, the caller's scopes among those the supergraph names, and
the satisfied policies among those it names. Never the token or any other claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from router.auth.principal import Principal
from router.supergraph.authorization import AuthorizationIndex, Requirement

# Given the policies the supergraph names, the ones the current caller satisfies.
PolicyEvaluator = Callable[[frozenset[str]], Awaitable[frozenset[str]]]


@dataclass(frozen=True, slots=True)
class Permissions:
    authenticated: bool = False
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()

    def allow(self, requirement: Requirement) -> bool:
        return requirement.empty or requirement.satisfied_by(
            self.authenticated, self.scopes, self.policies
        )


async def permissions_for(
    index: AuthorizationIndex, principal: Principal, evaluate_policies: PolicyEvaluator | None
) -> Permissions:
    """The caller's permissions; policies are asked of ``evaluate_policies`` (none: none hold)."""
    satisfied: frozenset[str] = frozenset()
    if index.policies and evaluate_policies is not None:
        satisfied = frozenset(await evaluate_policies(index.policies)) & index.policies
    return Permissions(
        authenticated=principal.authenticated,
        scopes=principal.scopes & index.scopes,
        policies=satisfied,
    )
