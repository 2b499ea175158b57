"""The deployment files agree with the code: configs validate, commands and ports line up."""

from __future__ import annotations

from pathlib import Path

import yaml

from router.config import load_config
from tests.server.stack import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
PORTS = {"users": 4001, "products": 4002, "orders": 4003}


def documents(path: Path) -> list[dict[str, object]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_kubernetes_router_config_is_valid(tmp_path: Path) -> None:
    (config_map,) = documents(DEPLOY / "k8s" / "router-config.yaml")
    path = tmp_path / "router.yaml"
    path.write_text(config_map["data"]["router.yaml"])  # type: ignore[index]
    config = load_config(path, environ={"FEDRA_ENV": ""})
    assert config.server.host == "0.0.0.0"
    assert config.subgraph_url_overrides() == {
        name: f"http://{name}:{port}/graphql" for name, port in PORTS.items()
    }
    assert config.authentication.jwt is not None
    assert [s.url for s in config.authentication.jwt.jwks] == [
        "http://users:4001/.well-known/jwks.json"
    ]


def test_kubernetes_manifests_wire_ports_and_probes() -> None:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (DEPLOY / "k8s" / resource).exists()
    deployments = {
        doc["metadata"]["name"]: doc  # type: ignore[index]
        for name in ("router.yaml", "subgraphs.yaml")
        for doc in documents(DEPLOY / "k8s" / name)
        if doc["kind"] == "Deployment"
    }
    assert set(deployments) == {"router", *PORTS}
    for name, port in PORTS.items():
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
        assert f"subgraphs.{name}.app:app" in container["args"]
        assert container["ports"][0]["containerPort"] == port
    router = deployments["router"]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert router["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert router["livenessProbe"]["httpGet"]["path"] == "/health"


def test_docker_compose_matches_the_docker_overlay() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"router", *PORTS}
    for name, port in PORTS.items():
        assert services[name]["command"][1] == f"subgraphs.{name}.app:app"
        assert services[name]["command"][-1] == str(port)
    assert services["router"]["environment"]["FEDRA_ENV"] == "docker"
    docker = load_config(REPO_ROOT / "router.yaml", environ={"FEDRA_ENV": "docker"})
    assert docker.subgraph_url_overrides() == {
        name: f"http://{name}:{port}/graphql" for name, port in PORTS.items()
    }
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert 'CMD ["fedra", "serve", "--config", "router.yaml"' in dockerfile
