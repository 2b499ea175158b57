"""Reading rover's supergraph config format."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.check.config import ConfigError, load_supergraph_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "supergraph.yaml"
    path.write_text(text)
    return path


def test_reads_files_and_subgraph_urls_relative_to_the_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
federation_version: =2.7.0
subgraphs:
  users:
    routing_url: http://localhost:4001/graphql
    schema:
      file: ./schema/users.graphql
  products:
    schema:
      subgraph_url: http://localhost:4002/graphql
      introspection_headers:
        authorization: Bearer x
""",
    )
    config = load_supergraph_config(path)
    assert config.federation_version == "2.7.0"
    users, products = config.subgraphs
    assert users.name == "users"
    assert users.file == (tmp_path / "schema" / "users.graphql").resolve()
    assert users.routing_url == "http://localhost:4001/graphql"
    assert products.subgraph_url == "http://localhost:4002/graphql"
    assert products.routing_url == "http://localhost:4002/graphql"
    assert products.introspection_headers == {"authorization": "Bearer x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subgraphs: [", "invalid YAML"),
        ("{}", "'subgraphs' must map"),
        ("subgraphs: {a: {schema: {file: a.graphql}}}", "subgraphs.a.routing_url: required"),
        (
            "subgraphs: {a: {routing_url: x, schema: {file: a, subgraph_url: b}}}",
            "subgraphs.a.schema: give exactly one",
        ),
        ("subgraphs: {a: {routing_url: x, schema: {file: a}, extra: 1}}", "unknown key 'extra'"),
        ("subgraphz: {}", "unknown key 'subgraphz'"),
        (
            "subgraphs: {a: {routing_url: x, schema: {graphref: g@v, subgraph: a}}}",
            "registry references are not supported",
        ),
    ],
)
def test_bad_configs_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_supergraph_config(write(tmp_path, text))
    assert message in str(raised.value)
    assert str(tmp_path) in str(raised.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_supergraph_config(tmp_path / "nope.yaml")
