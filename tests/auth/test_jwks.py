"""JWKS over HTTP: key rotation, the refresh rate bound, and the size and count bounds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from router.auth.jwks import KeySet
from router.auth.tokens import InvalidToken, TokenVerifier
from router.config.authentication import JwtConfig
from tests.auth.jwks_server import jwks_server
from tests.auth.keys import AUDIENCE, ISSUER, SigningKey, claims


def verifier(url: str, **settings: Any) -> TokenVerifier:
    config = JwtConfig.model_validate(
        {"jwks": [{"url": url}], "issuers": [ISSUER], "audiences": [AUDIENCE], **settings}
    )
    return TokenVerifier(config, KeySet(config))


async def test_rotation_new_kid_is_fetched_and_a_retired_key_stops_verifying() -> None:
    old, new = SigningKey.ed25519("2026-01"), SigningKey.rsa("2026-02")
    async with jwks_server(old) as server:
        check = verifier(server.url, refresh_interval_seconds=0.6, min_refresh_interval_seconds=0.3)
        try:
            assert (await check.verify(old.sign(claims("1"))))["sub"] == "1"
            assert server.requests == 1
            assert (await check.verify(old.sign(claims("1"))))["sub"] == "1"
            assert server.requests == 1  # cached

            server.keys = [old, new]  # rotation: the new key is published
            await asyncio.sleep(0.35)
            assert (await check.verify(new.sign(claims("2"))))["sub"] == "2"  # unknown kid: refresh
            assert server.requests == 2

            server.keys = [new]  # the old key is retired
            await asyncio.sleep(0.7)  # the cached set is now older than refresh_interval
            with pytest.raises(InvalidToken, match="no known key"):
                await check.verify(old.sign(claims("1")))
            assert (await check.verify(new.sign(claims("2"))))["sub"] == "2"
        finally:
            await check.keys.aclose()


async def test_unknown_kids_refetch_at_most_once_per_min_refresh_interval() -> None:
    known = SigningKey.ed25519()
    async with jwks_server(known) as server:
        check = verifier(server.url, min_refresh_interval_seconds=60)
        try:
            assert (await check.verify(known.sign(claims())))["sub"] == "1"
            assert server.requests == 1
            strangers = [SigningKey.ed25519() for _ in range(10)]
            results = await asyncio.gather(
                *(check.verify(key.sign(claims())) for key in strangers), return_exceptions=True
            )
            assert all(isinstance(result, InvalidToken) for result in results)
            assert server.requests == 1  # fetched within the last 60 s: no new fetch
            assert (await check.verify(known.sign(claims())))["sub"] == "1"
        finally:
            await check.keys.aclose()


async def test_a_refresh_is_made_for_an_unknown_kid_once_the_interval_has_passed() -> None:
    first = SigningKey.ed25519()
    async with jwks_server(first) as server:
        check = verifier(server.url, min_refresh_interval_seconds=0.3)
        try:
            await check.verify(first.sign(claims()))
            later = SigningKey.ed25519()
            server.keys.append(later)
            with pytest.raises(InvalidToken):
                await check.verify(later.sign(claims()))  # too soon after the first fetch
            await asyncio.sleep(0.35)
            assert (await check.verify(later.sign(claims())))["sub"] == "1"
            assert server.requests == 2
        finally:
            await check.keys.aclose()


async def test_an_oversized_or_overfull_jwks_is_refused_and_the_old_keys_stay() -> None:
    key = SigningKey.ed25519()
    async with jwks_server(key) as server:
        server.padding = 5000
        check = verifier(server.url, max_jwks_bytes=4096, min_refresh_interval_seconds=0)
        try:
            with pytest.raises(InvalidToken, match="no known key"):
                await check.verify(key.sign(claims()))
            server.padding = 0
            assert (await check.verify(key.sign(claims())))["sub"] == "1"
            server.keys = [SigningKey.ed25519() for _ in range(3)]
            few = verifier(server.url, max_keys=2)
            try:
                with pytest.raises(InvalidToken, match="no known key"):
                    await few.verify(server.keys[0].sign(claims()))
            finally:
                await few.keys.aclose()
            server.padding = 5000
            await check.keys.refresh()  # a failed fetch keeps the keys it had
            assert (await check.verify(key.sign(claims())))["sub"] == "1"
        finally:
            await check.keys.aclose()


async def test_an_unreachable_jwks_url_is_no_keys_not_an_error() -> None:
    key = SigningKey.ed25519()
    async with jwks_server(key) as server:
        url = server.url
    check = verifier(url, fetch_timeout_seconds=1)
    try:
        with pytest.raises(InvalidToken, match="no known key"):
            await check.verify(key.sign(claims()))
    finally:
        await check.keys.aclose()
