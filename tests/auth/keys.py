"""Real signing keys for tests: Ed25519 and RSA key pairs, their JWKs, and tokens they sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

ISSUER = "fedra-users"
AUDIENCE = "fedra"


@dataclass
class SigningKey:
    kid: str
    algorithm: str  # EdDSA or RS256
    private: Any = field(repr=False)

    @classmethod
    def ed25519(cls, kid: str | None = None) -> SigningKey:
        return cls(
            kid or f"ed-{uuid.uuid4().hex[:8]}", "EdDSA", ed25519.Ed25519PrivateKey.generate()
        )

    @classmethod
    def rsa(cls, kid: str | None = None) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"rsa-{uuid.uuid4().hex[:8]}", "RS256", private)

    def public_jwk(self) -> dict[str, Any]:
        codec = OKPAlgorithm if self.algorithm == "EdDSA" else RSAAlgorithm
        jwk: dict[str, Any] = codec.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.algorithm})
        return jwk

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.algorithm, headers={"kid": self.kid, **header}
        )


def claims(sub: str = "1", *, lifetime: int = 300, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "iat": now,
        "exp": now + lifetime,
        "scope": "orders:read orders:write",
        "jti": uuid.uuid4().hex,
        **extra,
    }


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [key.public_jwk() for key in keys]}


def write_jwks(path: Path, *keys: SigningKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(jwks(*keys)))


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(payload: dict[str, Any], kid: str) -> str:
    """A token with ``alg: none`` and no signature."""
    header = _part(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{_part(json.dumps(payload).encode())}."


def hmac_with_public_key(payload: dict[str, Any], key: SigningKey) -> str:
    """A token HS256-signed with the key's public PEM as the secret (algorithm confusion)."""
    header = _part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    signing_input = f"{header}.{_part(json.dumps(payload).encode())}"
    signature = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_part(signature)}"
