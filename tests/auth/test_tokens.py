"""Token verification against a JWKS file: what verifies, and every way a token is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.algorithms import OKPAlgorithm

from router.auth.jwks import KeySet
from router.auth.tokens import InvalidToken, TokenVerifier
from router.config.authentication import JwtConfig
from tests.auth.keys import (
    AUDIENCE,
    ISSUER,
    SigningKey,
    claims,
    hmac_with_public_key,
    unsigned_token,
    write_jwks,
)

ED = SigningKey.ed25519("ed-1")
RSA = SigningKey.rsa("rsa-1")
STRANGER = SigningKey.ed25519("ed-1")  # same kid, another key: a forged signature


def verifier(path: Path, **settings: Any) -> TokenVerifier:
    config = JwtConfig.model_validate(
        {
            "jwks": [{"file": str(path)}],
            "issuers": [ISSUER, "other-issuer"],
            "audiences": [AUDIENCE],
            **settings,
        }
    )
    return TokenVerifier(config, KeySet(config))


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "jwks.json"
    write_jwks(path, ED, RSA)
    return path


async def test_ed25519_and_rsa_tokens_verify(keys_file: Path) -> None:
    check = verifier(keys_file)
    assert (await check.verify(ED.sign(claims("1"))))["sub"] == "1"
    assert (await check.verify(RSA.sign(claims("service:orders", scope="stock:reserve"))))[
        "scope"
    ] == "stock:reserve"
    assert (await check.verify(ED.sign(claims("2", iss="other-issuer"))))["sub"] == "2"


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["sub"] = "2"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


BAD_TOKENS = {
    "malformed": lambda: "not-a-jwt",
    "garbage-segments": lambda: "a.b.c",
    "expired": lambda: ED.sign(claims(exp=int(time.time()) - 120)),
    "not-yet-valid": lambda: ED.sign(claims(nbf=int(time.time()) + 600)),
    "issued-in-the-future": lambda: ED.sign(claims(iat=int(time.time()) + 600)),
    "wrong-signature": lambda: STRANGER.sign(claims()),
    "tampered-payload": lambda: tampered(ED.sign(claims())),
    "wrong-audience": lambda: ED.sign(claims(aud="someone-else")),
    "no-audience": lambda: ED.sign({k: v for k, v in claims().items() if k != "aud"}),
    "wrong-issuer": lambda: ED.sign(claims(iss="evil")),
    "no-expiry": lambda: ED.sign({k: v for k, v in claims().items() if k != "exp"}),
    "alg-none": lambda: unsigned_token(claims(), ED.kid),
    "hs256-with-the-public-key": lambda: hmac_with_public_key(claims(), RSA),
    "hs256-with-the-ed25519-public-key": lambda: hmac_with_public_key(claims(), ED),
    "unknown-kid": lambda: SigningKey.ed25519("ed-unknown").sign(claims()),
    "rsa-key-named-by-an-ed25519-kid": lambda: SigningKey(ED.kid, "RS256", RSA.private).sign(
        claims()
    ),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_tokens_are_refused(keys_file: Path, kind: str) -> None:
    with pytest.raises(InvalidToken):
        await verifier(keys_file).verify(BAD_TOKENS[kind]())


async def test_leeway_accepts_a_token_just_expired(keys_file: Path) -> None:
    just_expired = ED.sign(claims(exp=int(time.time()) - 10))
    assert (await verifier(keys_file, leeway_seconds=30).verify(just_expired))["sub"] == "1"
    with pytest.raises(InvalidToken, match="expired"):
        await verifier(keys_file, leeway_seconds=0).verify(just_expired)


async def test_only_allowed_algorithms(keys_file: Path) -> None:
    with pytest.raises(InvalidToken, match="algorithm 'RS256' is not accepted"):
        await verifier(keys_file, algorithms=["EdDSA"]).verify(RSA.sign(claims()))


async def test_a_missing_file_has_no_keys_until_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "later" / "jwks.json"
    check = verifier(path)
    token = ED.sign(claims())
    with pytest.raises(InvalidToken, match="no known key"):
        await check.verify(token)
    write_jwks(path, ED)
    assert (await check.verify(token))["sub"] == "1"  # unknown kid: the file is read again


async def test_private_and_symmetric_keys_in_a_jwks_are_never_used(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    secret = base64.urlsafe_b64encode(RSA.public_pem()).rstrip(b"=").decode()
    private = OKPAlgorithm.to_jwk(ED.private, as_dict=True) | {"kid": "private"}
    path.write_text(
        json.dumps({"keys": [{"kty": "oct", "kid": "hs", "k": secret}, private, ED.public_jwk()]})
    )
    check = verifier(path)
    await check.keys.refresh()
    assert [key.kid for key in check.keys.public_keys()] == [ED.kid]
    with pytest.raises(InvalidToken):
        await check.verify(hmac_with_public_key(claims(), SigningKey("hs", "RS256", RSA.private)))
    with pytest.raises(InvalidToken, match="no known key"):
        await check.verify(SigningKey("private", "EdDSA", ED.private).sign(claims()))


async def test_ec_keys_verify_only_with_their_own_curve(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    private = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True) | {"kid": "ec-1"}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    check = verifier(path, algorithms=["ES256", "ES384"])
    token = jwt.encode(claims(), private, algorithm="ES256", headers={"kid": "ec-1"})
    assert (await check.verify(token))["sub"] == "1"
    wrong_curve = jwt.encode(
        claims(),
        ec.generate_private_key(ec.SECP384R1()),
        algorithm="ES384",
        headers={"kid": "ec-1"},
    )
    with pytest.raises(InvalidToken, match="no known key"):
        await check.verify(wrong_curve)


async def test_a_remembered_token_still_expires(keys_file: Path) -> None:
    check = verifier(keys_file, leeway_seconds=0)
    token = ED.sign(claims(lifetime=1))
    assert (await check.verify(token))["sub"] == "1"
    assert (await check.verify(token))["sub"] == "1"  # remembered
    await asyncio.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        await check.verify(token)


async def test_a_remembered_token_stops_verifying_when_its_key_is_retired(keys_file: Path) -> None:
    check = verifier(keys_file, refresh_interval_seconds=0.3)
    token = ED.sign(claims())
    assert (await check.verify(token))["sub"] == "1"
    write_jwks(keys_file, RSA)  # ED retired
    assert (await check.verify(token))["sub"] == "1"  # the cached key set is still fresh
    await asyncio.sleep(0.35)
    with pytest.raises(InvalidToken, match="no known key"):
        await check.verify(token)
