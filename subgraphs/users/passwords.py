"""Password hashing with argon2id; hashing runs in a thread so it never blocks the event loop."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .settings import Argon2Parameters


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    ok: bool
    # A hash under the current parameters to store instead, when the stored one is outdated.
    rehashed: str | None = None


class Passwords:
    def __init__(self, parameters: Argon2Parameters) -> None:
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_kib,
            parallelism=parameters.parallelism,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        """Checked against for unknown emails, so they cost what a wrong password costs (made
        on first need: it is not worth slowing every start)."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> PasswordCheck:
        """Verifies in constant time (argon2's own comparison); `None` (an unknown email or an
        account without a password) is checked against a dummy hash and always fails."""
        try:
            self._hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return PasswordCheck(ok=False)
        if stored_hash is None:
            return PasswordCheck(ok=False)
        if self._hasher.check_needs_rehash(stored_hash):
            return PasswordCheck(ok=True, rehashed=self._hasher.hash(password))
        return PasswordCheck(ok=True)

    async def check_async(self, stored_hash: str | None, password: str) -> PasswordCheck:
        return await asyncio.to_thread(self.check, stored_hash, password)
