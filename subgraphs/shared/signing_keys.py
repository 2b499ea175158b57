"""Ed25519 signing keys as JWKs, and tokens signed with them (the users service, and tests)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or uuid.uuid4().hex[:16], Ed25519PrivateKey.generate())

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def private_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private_key))
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    @classmethod
    def from_private_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        key = OKPAlgorithm.from_jwk(dict(jwk))
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return cls(str(jwk["kid"]), key)

    def sign(
        self,
        subject: str,
        *,
        scope: str = "",
        issuer: str = "fedra-users",
        audience: str = "fedra",
        lifetime: float = 900.0,
        now: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "iat": issued,
            "exp": issued + int(lifetime),
            "scope": scope,
            "jti": uuid.uuid4().hex,
            **(extra or {}),
        }
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


def jwks(keys: Iterable[SigningKey]) -> dict[str, Any]:
    return {"keys": [key.public_jwk() for key in keys]}


def write_jwks(path: Path, keys: Iterable[SigningKey]) -> None:
    """Writes the public key set atomically (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(jwks(keys)))
    partial.replace(path)
