"""Supergraphs linking SECURITY / EXECUTION features the router does not implement are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from router.gateway import Gateway
from router.supergraph.features import unsupported_features, unsupported_features_message
from router.supergraph.model import Link
from router.supergraph.reader import SupergraphError, read_supergraph

ACCESS = Path(__file__).parents[1] / "gateway" / "authorization" / "fixtures" / "access"


def test_implemented_features_pass() -> None:
    links = [
        Link("https://specs.apollo.dev/link/v1.0"),
        Link("https://specs.apollo.dev/join/v0.5", purpose="EXECUTION"),
        Link("https://specs.apollo.dev/inaccessible/v0.2", purpose="SECURITY"),
        Link("https://specs.apollo.dev/authenticated/v0.1", purpose="SECURITY"),
        Link("https://specs.apollo.dev/requiresScopes/v0.1", purpose="SECURITY"),
        Link("https://specs.apollo.dev/policy/v0.1", purpose="SECURITY"),
        Link("https://specs.apollo.dev/context/v0.1", purpose="SECURITY"),
        Link("https://specs.apollo.dev/cost/v0.1"),  # metadata: no purpose
        Link("https://example.com/anything/v1.0"),
    ]
    assert unsupported_features(links) == []
    assert unsupported_features_message(links) is None


@pytest.mark.parametrize(
    "link",
    [
        Link("https://specs.apollo.dev/context/v0.2", purpose="SECURITY"),
        Link("https://specs.apollo.dev/join/v0.9", purpose="EXECUTION"),
        Link("https://specs.apollo.dev/authenticated/v0.2", purpose="SECURITY"),
        Link("https://example.com/acl/v1.0", purpose="SECURITY"),
    ],
    ids=lambda link: link.url.split("/", 2)[2],
)
def test_unknown_features_for_security_or_execution_are_named(link: Link) -> None:
    message = unsupported_features_message([Link("https://specs.apollo.dev/link/v1.0"), link])
    assert message is not None
    assert f"{link.url} (for: {link.purpose})" in message


def test_a_gateway_refuses_such_a_supergraph() -> None:
    sdl = (ACCESS / "supergraph.apollo.graphql").read_text()
    sdl = sdl.replace(
        '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)\n'
        '  @link(url: "https://example.com/acl/v1.0", for: SECURITY)',
    )
    supergraph = read_supergraph(sdl)  # reading is fine: composition tools read anything
    with pytest.raises(SupergraphError, match=re.escape("https://example.com/acl/v1.0")):
        Gateway(supergraph)
