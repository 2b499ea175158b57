"""The users service's token signing keys: private JWKs in the key directory, rotated in place.

Layout of the key directory (``FEDRA_AUTH_KEYS_DIR``, default var/keys):
- ``signing/<kid>.json``: one private Ed25519 JWK per file (mode 0600) with its creation time and,
  once a newer key took over, its retirement time;
- ``jwks.json``: the public keys subgraphs verify tokens with (every key that may still have
  valid tokens out there).

The newest key signs. ``python -m subgraphs.users.keys rotate`` adds a key and retires the others;
a retired key stays published for an access token's lifetime plus the verifiers' leeway, then is
pruned. A running service notices keys added or retired by the command on its next signature.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from subgraphs.shared.signing_keys import SigningKey, jwks, write_jwks

from .secret_files import ensure_private_dir, write_secret_file

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: SigningKey
    created_at: float
    retired_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "created_at": self.created_at,
            "retired_at": self.retired_at,
            "jwk": self.key.private_jwk(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> StoredKey:
        retired = document.get("retired_at")
        return cls(
            key=SigningKey.from_private_jwk(document["jwk"]),
            created_at=float(document["created_at"]),
            retired_at=float(retired) if retired is not None else None,
        )


class KeyStore:
    """The signing keys of one key directory.

    `retention` is how long a retired key stays published (the access-token lifetime plus the
    verifiers' leeway): every token it signed has expired by then.
    """

    def __init__(self, directory: Path, *, retention: float, clock: Clock = time.time) -> None:
        self.directory = directory
        self.retention = retention
        self.clock = clock
        self._cache: tuple[tuple[tuple[str, int], ...], list[StoredKey]] | None = None

    @property
    def signing_dir(self) -> Path:
        return self.directory / "signing"

    @property
    def jwks_path(self) -> Path:
        return self.directory / "jwks.json"

    def ensure(self) -> SigningKey:
        """Start-up: a signing key (generated when there is none), expired keys pruned, and
        the public set written to jwks.json."""
        ensure_private_dir(self.signing_dir)
        current = self._current(self.stored_keys())
        if current is None:
            current = self._add(SigningKey.generate())
        self.prune()
        return current.key

    def stored_keys(self) -> list[StoredKey]:
        """Every stored key, oldest first (re-read when the directory changed)."""
        signature = self._signature()
        if self._cache is not None and self._cache[0] == signature:
            return list(self._cache[1])
        loaded = []
        for name, _ in signature:
            document = json.loads((self.signing_dir / name).read_text(encoding="utf-8"))
            loaded.append(StoredKey.from_json(document))
        loaded.sort(key=lambda stored: (stored.created_at, stored.key.kid))
        self._cache = (signature, loaded)
        return list(loaded)

    def signing_key(self) -> SigningKey:
        """The key new tokens are signed with: the newest key not retired. Keys past retention
        are pruned on the way, so jwks.json stays current in a long-running service."""
        stored = self.stored_keys()
        now = self.clock()
        if any(self._expired(key, now) for key in stored):
            self.prune()
        current = self._current(stored)
        return current.key if current is not None else self.ensure()

    def published(self) -> list[SigningKey]:
        """The public keys verifiers need: the signing key and retired keys still in retention."""
        now = self.clock()
        return [stored.key for stored in self.stored_keys() if not self._expired(stored, now)]

    def public_jwks(self) -> dict[str, Any]:
        return jwks(self.published())

    def rotate(self) -> SigningKey:
        """A new signing key; the previous ones retire now and are pruned after retention."""
        ensure_private_dir(self.signing_dir)
        now = self.clock()
        for stored in self.stored_keys():
            if stored.retired_at is None:
                self._write(replace(stored, retired_at=now))
        new = self._add(SigningKey.generate())
        self.prune()
        return new.key

    def prune(self) -> list[str]:
        """Deletes retired keys past retention, rewrites jwks.json; returns the pruned kids."""
        now = self.clock()
        pruned = []
        for stored in self.stored_keys():
            if self._expired(stored, now):
                (self.signing_dir / f"{stored.key.kid}.json").unlink(missing_ok=True)
                pruned.append(stored.key.kid)
        write_jwks(self.jwks_path, self.published())
        return pruned

    def _add(self, key: SigningKey) -> StoredKey:
        stored = StoredKey(key=key, created_at=self.clock())
        self._write(stored)
        write_jwks(self.jwks_path, self.published())
        return stored

    def _write(self, stored: StoredKey) -> None:
        write_secret_file(
            self.signing_dir / f"{stored.key.kid}.json", json.dumps(stored.to_json(), indent=2)
        )

    def _expired(self, stored: StoredKey, now: float) -> bool:
        return stored.retired_at is not None and stored.retired_at + self.retention < now

    @staticmethod
    def _current(keys: list[StoredKey]) -> StoredKey | None:
        active = [stored for stored in keys if stored.retired_at is None]
        return active[-1] if active else None

    def _signature(self) -> tuple[tuple[str, int], ...]:
        try:
            entries = list(os.scandir(self.signing_dir))
        except FileNotFoundError:
            return ()
        return tuple(
            sorted(
                (entry.name, entry.stat().st_mtime_ns)
                for entry in entries
                if entry.name.endswith(".json") and not entry.name.startswith(".")
            )
        )


def key_store(directory: Path | None = None) -> KeyStore:
    """The key store configured by the environment (key directory, access-token lifetime)."""
    from .settings import UsersSettings

    settings = UsersSettings.from_env(keys_directory=directory)
    return KeyStore(settings.keys_dir, retention=settings.key_lifetime_after_retirement)


if __name__ == "__main__":
    from .key_commands import main

    raise SystemExit(main())
