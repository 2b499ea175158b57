"""Subgraph caller identity: verified tokens and router-signed claims, never client headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest

from subgraphs.shared.identity import (
    ANONYMOUS_CALLER,
    IdentityError,
    JwksKeys,
    TokenVerifier,
    sign_claims_header,
)
from subgraphs.shared.signing_keys import SigningKey, write_jwks


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate("k1")


@pytest.fixture
def jwks_file(tmp_path: Path, key: SigningKey) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, [key])
    return path


def _hs256_with_public_key(key: SigningKey) -> str:
    """The algorithm-confusion attack: HMAC-signed with the (public) verification key."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "kid": key.kid, "typ": "JWT"}).encode())
    claims = {"sub": "1", "iss": "fedra-users", "aud": "fedra", "exp": time.time() + 60}
    signing_input = f"{header}.{b64(json.dumps(claims).encode())}"
    secret = json.dumps(key.public_jwk()).encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def verifier(jwks_file: Path, **kwargs: object) -> TokenVerifier:
    return TokenVerifier(JwksKeys(str(jwks_file), refresh_interval=0), **kwargs)  # type: ignore[arg-type]


async def test_a_verified_user_token_names_the_user(jwks_file: Path, key: SigningKey) -> None:
    token = key.sign("7", scope="orders:read admin")
    caller = await verifier(jwks_file).caller({"authorization": f"Bearer {token}"})
    assert caller.user_id == 7
    assert caller.is_admin
    assert caller.service is None


async def test_a_service_token_names_the_service(jwks_file: Path, key: SigningKey) -> None:
    caller = await verifier(jwks_file).caller(
        {"authorization": f"Bearer {key.sign('service:orders', scope='stock:reserve')}"}
    )
    assert caller.service == "orders"
    assert caller.user_id is None
    assert caller.has_scope("stock:reserve")
    assert not caller.is_admin


async def test_a_client_user_id_header_is_ignored(jwks_file: Path) -> None:
    assert await verifier(jwks_file).caller({"x-user-id": "2"}) == ANONYMOUS_CALLER


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda k, other: k.sign("1", lifetime=-120), id="expired"),
        pytest.param(lambda k, other: k.sign("1", audience="someone-else"), id="wrong-aud"),
        pytest.param(lambda k, other: k.sign("1", issuer="evil"), id="wrong-iss"),
        pytest.param(lambda k, other: SigningKey("k1", other.private_key).sign("1"), id="forged"),
        pytest.param(lambda k, other: other.sign("1"), id="unknown-kid"),
        pytest.param(
            lambda k, other: jwt.encode(
                {"sub": "1", "iss": "fedra-users", "aud": "fedra", "exp": time.time() + 60},
                None,
                algorithm="none",
                headers={"kid": "k1"},
            ),
            id="alg-none",
        ),
        pytest.param(lambda k, other: _hs256_with_public_key(k), id="hs256-with-public-key"),
        pytest.param(lambda k, other: "not-a-jwt", id="malformed"),
    ],
)
async def test_bad_tokens_are_refused(jwks_file: Path, key: SigningKey, make_token: object) -> None:
    token = make_token(key, SigningKey.generate("k2"))  # type: ignore[operator]
    with pytest.raises(IdentityError):
        await verifier(jwks_file).caller({"authorization": f"Bearer {token}"})


async def test_a_rotated_key_is_picked_up_from_the_file(jwks_file: Path, key: SigningKey) -> None:
    new = SigningKey.generate("k2")
    checker = verifier(jwks_file)
    assert (await checker.caller({"authorization": f"Bearer {key.sign('1')}"})).user_id == 1
    write_jwks(jwks_file, [key, new])
    assert (await checker.caller({"authorization": f"Bearer {new.sign('2')}"})).user_id == 2


def _claims_header(claims: dict[str, object]) -> str:
    raw = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_router_signed_claims_are_accepted_only_with_the_secret(jwks_file: Path) -> None:
    value = _claims_header({"sub": "3", "scope": "orders:read", "exp": time.time() + 60})
    headers = {
        "x-fedra-claims": value,
        "x-fedra-claims-signature": sign_claims_header(value, b"s3cret"),
    }
    assert (await verifier(jwks_file, claims_secret=b"s3cret").caller(headers)).user_id == 3
    # without a secret configured here the header means nothing
    assert await verifier(jwks_file).caller(headers) == ANONYMOUS_CALLER
    forged = {**headers, "x-fedra-claims-signature": sign_claims_header(value, b"guess")}
    with pytest.raises(IdentityError):
        await verifier(jwks_file, claims_secret=b"s3cret").caller(forged)
    expired = _claims_header({"sub": "3", "exp": time.time() - 3600})
    with pytest.raises(IdentityError):
        await verifier(jwks_file, claims_secret=b"s3cret").caller(
            {
                "x-fedra-claims": expired,
                "x-fedra-claims-signature": sign_claims_header(expired, b"s3cret"),
            }
        )
