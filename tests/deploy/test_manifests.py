"""docker-compose.yml, deploy/k8s (base and production overlay) and deploy/Dockerfile agree with
the code: ports, commands, environment variable names, probe paths, image names; Secrets are
referenced, never inlined. Kustomize is not needed: tests/deploy/kustomize.py builds the overlay.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi import FastAPI
from starlette.routing import Route

from router.config import load_config
from router.config.model import RouterConfig, SupergraphConfig
from router.server.app import create_app as create_router_app
from subgraphs.shared.migrations import SUBGRAPH_NAMES
from tests.deploy.kustomize import Build, all_containers, build, load_documents
from tests.server.stack import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
PRODUCTION = DEPLOY / "k8s" / "overlays" / "production"
ROUTER_PORT = RouterConfig().server.port
REGISTRY_PORT = 4100  # `fedra registry --port 4100` (the registry contract)
IMAGE = "fedra"

# Variables of the shared contract whose code lands with another change (orders workflow,
# schema registry); every other name must be read by the code here.
CONTRACT_ENV = {
    "BROKER_URL": "orders workflow",
    "STOCK_RESERVATION_TTL_SECONDS": "orders workflow",
    "FEDRA_REGISTRY_URL": "schema registry",
    "FEDRA_REGISTRY_TOKEN": "schema registry",
    "FEDRA_SUBGRAPH_ROUTING_URL": "schema registry",
    "FEDRA_INSTANCE_ID": "schema registry",
    "FEDRA_REGISTRY_DATABASE_URL": "schema registry",
    "FEDRA_REGISTRY_TOKENS_FILE": "schema registry",
}
CONTRACT_MODULES = {"subgraphs.orders.worker": "orders workflow"}
CONTRACT_COMMANDS = {"registry": "schema registry"}
# What each component cannot run without in production (besides what its config names).
REQUIRED_ENV = {
    "users": {
        "DATABASE_URL",
        "FEDRA_DATABASE_MIGRATIONS",
        "FEDRA_AUTH_KEYS_DIR",
        "FEDRA_SERVICE_SECRET_ORDERS",
        "FEDRA_REGISTRY_URL",
        "FEDRA_REGISTRY_TOKEN",
    },
    "products": {
        "DATABASE_URL",
        "FEDRA_DATABASE_MIGRATIONS",
        "FEDRA_AUTH_JWKS",
        "FEDRA_REGISTRY_URL",
        "FEDRA_REGISTRY_TOKEN",
        "STOCK_RESERVATION_TTL_SECONDS",
    },
    "orders": {
        "DATABASE_URL",
        "FEDRA_DATABASE_MIGRATIONS",
        "FEDRA_AUTH_JWKS",
        "BROKER_URL",
        "PRODUCTS_URL",
        "USERS_TOKEN_URL",
        "FEDRA_SERVICE_SECRET_ORDERS",
        "FEDRA_REGISTRY_URL",
        "FEDRA_REGISTRY_TOKEN",
    },
    "orders-worker": {
        "DATABASE_URL",
        "BROKER_URL",
        "PRODUCTS_URL",
        "USERS_TOKEN_URL",
        "FEDRA_SERVICE_SECRET_ORDERS",
    },
    "registry": {"FEDRA_REGISTRY_DATABASE_URL", "FEDRA_REGISTRY_TOKENS_FILE"},
    "router": {"FEDRA_ENV"},
}
SECRET_LOOKING = re.compile(r"TOKEN$|SECRET|PASSWORD|_KEYS?$|DATABASE_URL$|BROKER_URL$|REDIS_URL$")


def subgraph_ports() -> dict[str, int]:
    """The ports the subgraphs serve on: the routing URLs of supergraph.yaml (`fedra dev`)."""
    config = yaml.safe_load((REPO_ROOT / "supergraph.yaml").read_text())
    return {
        name: int(urlsplit(spec["routing_url"]).port or 0)
        for name, spec in config["subgraphs"].items()
    }


@cache
def code_text() -> str:
    return "\n".join(
        path.read_text()
        for folder in ("router", "subgraphs")
        for path in (REPO_ROOT / folder).rglob("*.py")
    )


def config_path_exists(env_name: str) -> bool:
    """FEDRA_<SECTION>__<KEY>: whether the router's configuration model has that key."""
    parts = env_name.removeprefix("FEDRA_").lower().split("__")
    model: Any = RouterConfig
    for part in parts:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        model = fields[part].annotation
        model = next(
            (arg for arg in getattr(model, "__args__", ()) if hasattr(arg, "model_fields")), model
        )
    return True


def read_by_code(name: str) -> bool:
    return f'"{name}"' in code_text() or ("__" in name and config_path_exists(name))


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def fedra_services() -> dict[str, dict[str, Any]]:
    return {
        n: s for n, s in compose()["services"].items() if s.get("image", "").startswith(IMAGE + ":")
    }


@cache
def production() -> Build:
    return build(PRODUCTION)


@cache
def base() -> Build:
    return build(BASE)


def deployment_containers(b: Build) -> dict[str, dict[str, Any]]:
    return {
        name: doc["spec"]["template"]["spec"]["containers"][0]
        for name, doc in b.of_kind("Deployment").items()
    }


def env_names(container: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


def k8s_router_config_text() -> str:
    return base().of_kind("ConfigMap")["fedra-router"]["data"]["router.yaml"]


def config_env_references(text: str) -> tuple[set[str], set[str]]:
    """Variables a router config reads: ${NAME} (required unless it has a :-default) and
    token_env values (required)."""
    required = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text)) | set(
        re.findall(r"token_env:\s*([A-Z0-9_]+)", text)
    )
    optional = set(re.findall(r"\$\{([A-Z0-9_]+):-", text))
    return required, optional


def load_router_config(text: str, tmp_path: Path, environ: dict[str, str]) -> RouterConfig:
    """The config, validated; `supergraph.registry` is checked for presence and left to the
    model only once the model knows it."""
    raw = yaml.safe_load(text)
    assert raw["supergraph"]["registry"]["url"] == f"http://registry:{REGISTRY_PORT}"
    if "registry" not in SupergraphConfig.model_fields:
        raw["supergraph"].pop("registry")
    path = tmp_path / "router.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_config(path, environ={"FEDRA_ENV": "", **environ})


# --- ports and commands -------------------------------------------------------------------


def test_subgraph_ports_and_commands_agree_in_compose_and_kubernetes() -> None:
    ports = subgraph_ports()
    assert set(ports) == set(SUBGRAPH_NAMES)
    services = compose()["services"]
    containers = deployment_containers(production())
    services_k8s = production().of_kind("Service")
    for name, port in ports.items():
        command = [f"subgraphs.{name}.app:app", "--host", "0.0.0.0", "--port", str(port)]
        assert services[name]["command"] == ["uvicorn", *command]
        assert containers[name]["args"] == ["uvicorn", *command]
        assert containers[name]["ports"] == [{"name": "http", "containerPort": port}]
        assert services_k8s[name]["spec"]["ports"][0]["port"] == port
        routing = {e["name"]: e.get("value") for e in containers[name]["env"]}[
            "FEDRA_SUBGRAPH_ROUTING_URL"
        ]
        assert routing == f"http://$(POD_IP):{port}/graphql"
        assert (
            services[name]["environment"]["FEDRA_SUBGRAPH_ROUTING_URL"]
            == f"http://{name}:{port}/graphql"
        )


def test_router_and_registry_ports_agree(tmp_path: Path) -> None:
    services = compose()["services"]
    containers = deployment_containers(production())
    assert services["router"]["ports"] == [f"{ROUTER_PORT}:{ROUTER_PORT}"]
    assert containers["router"]["ports"] == [{"name": "http", "containerPort": ROUTER_PORT}]
    for text in (k8s_router_config_text(), (DEPLOY / "compose" / "router.yaml").read_text()):
        config = load_router_config(text, tmp_path, {"FEDRA_REDIS_URL": "redis://redis:6379/0"})
        assert config.server.port == ROUTER_PORT and config.server.host == "0.0.0.0"
        assert config.authentication.jwt is not None
        assert [s.url for s in config.authentication.jwt.jwks] == [
            f"http://users:{subgraph_ports()['users']}/.well-known/jwks.json"
        ]
    registry_args = ["fedra", "registry", "--host", "0.0.0.0", "--port", str(REGISTRY_PORT)]
    assert services["registry"]["command"] == registry_args
    assert containers["registry"]["args"] == registry_args
    assert containers["registry"]["ports"] == [{"name": "http", "containerPort": REGISTRY_PORT}]
    endpoints = base().of_kind("ConfigMap")["fedra-endpoints"]["data"]
    assert endpoints["registry-url"] == f"http://registry:{REGISTRY_PORT}"
    assert (
        services["users"]["environment"]["FEDRA_REGISTRY_URL"] == f"http://registry:{REGISTRY_PORT}"
    )
    assert services["router"]["command"] == [
        "fedra",
        "serve",
        "--config",
        "/etc/fedra/router.yaml",
        "--workers",
        "2",
    ]


def test_every_command_exists() -> None:
    import importlib.util

    import router.commands

    commands = {p.stem for p in Path(router.commands.__path__[0]).glob("*.py")}
    argvs = [s["command"] for s in fedra_services().values()]
    argvs += [c["args"] for c in all_containers(production().documents)]
    for argv in argvs:
        if argv[0] == "fedra":
            assert argv[1] in commands or argv[1] in CONTRACT_COMMANDS, argv
        elif argv[0] == "python":
            assert argv[1] == "-m"
            module = argv[2]
            assert importlib.util.find_spec(module) is not None or module in CONTRACT_MODULES, argv
            if module == "subgraphs.shared.migrate":
                assert argv[3] in SUBGRAPH_NAMES
        else:
            assert argv[0] == "uvicorn"
            module, _, attribute = argv[1].partition(":")
            assert importlib.util.find_spec(module) is not None and attribute == "app"


def test_subgraphs_are_migrated_before_they_serve() -> None:
    services = compose()["services"]
    deployments = production().of_kind("Deployment")
    for name in SUBGRAPH_NAMES:
        migrate = services[f"{name}-migrate"]
        assert migrate["command"] == ["python", "-m", "subgraphs.shared.migrate", name]
        assert migrate["restart"] == "no"
        assert (
            migrate["environment"]["DATABASE_URL"] == services[name]["environment"]["DATABASE_URL"]
        )
        assert services[name]["depends_on"][f"{name}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["environment"]["FEDRA_DATABASE_MIGRATIONS"] == "1"
        (init,) = deployments[name]["spec"]["template"]["spec"]["initContainers"]
        assert init["args"] == ["python", "-m", "subgraphs.shared.migrate", name]
        assert init["env"] == [
            e
            for e in deployments[name]["spec"]["template"]["spec"]["containers"][0]["env"]
            if e["name"] == "DATABASE_URL"
        ]
    assert services["orders-worker"]["depends_on"]["orders-migrate"] == {
        "condition": "service_completed_successfully"
    }
    database = {name: services[name]["environment"]["DATABASE_URL"] for name in SUBGRAPH_NAMES}
    assert all(
        url.startswith("postgresql+asyncpg://") and url.endswith(f"@postgres:5432/{name}")
        for name, url in database.items()
    )
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    for name in (*SUBGRAPH_NAMES, "registry"):
        assert f"CREATE DATABASE {name};" in init_sql


def test_compose_waits_on_health_checks() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
            else:
                assert condition["condition"] == "service_completed_successfully"
                assert dependency.endswith("-migrate")
    assert services["postgres"]["image"] == "postgres:16"
    assert services["rabbitmq"]["image"] == "rabbitmq:3-management"
    assert services["redis"]["image"].startswith("redis:")
    assert services["orders-worker"]["deploy"]["replicas"] >= 1
    assert "ports" not in services["orders-worker"]  # several can run: `--scale orders-worker=N`
    for name in SUBGRAPH_NAMES:
        assert "ports" not in services[name]  # scalable with --scale: no fixed host port


# --- environment variables ----------------------------------------------------------------


def manifest_env() -> list[tuple[str, str, set[str], dict[str, Any]]]:
    """(where, component, names, container or service) for every place that sets variables."""
    found = []
    for name, service in fedra_services().items():
        found.append(
            (
                f"compose {name}",
                name.removesuffix("-migrate"),
                set(service.get("environment", {})),
                service,
            )
        )
    for container in all_containers(production().documents):
        found.append(
            (f"k8s {container['name']}", container["name"], env_names(container), container)
        )
    return found


def test_every_variable_the_manifests_set_is_read_by_the_code() -> None:
    config_vars = set()
    for text in (k8s_router_config_text(), (DEPLOY / "compose" / "router.yaml").read_text()):
        required, optional = config_env_references(text)
        config_vars |= required | optional
    unknown = []
    for where, _component, names, container in manifest_env():
        substituted = " ".join(
            str(e.get("value", "")) for e in container.get("env", []) if isinstance(e, dict)
        )
        for name in names:
            if read_by_code(name) or name in CONTRACT_ENV or name in config_vars:
                continue
            if f"$({name})" in substituted:  # a Kubernetes helper variable (POD_IP)
                continue
            unknown.append(f"{where}: {name}")
    assert unknown == []


def test_the_contract_names_are_spelled_as_the_code_spells_its_own() -> None:
    """The contract's variables are not mistaken for ones the code reads under another name."""
    assert read_by_code("DATABASE_URL") and read_by_code("FEDRA_DATABASE_MIGRATIONS")
    assert read_by_code("FEDRA_SERVER__WORKERS") and not read_by_code("FEDRA_SERVER__NO_SUCH_KEY")


def test_every_required_variable_is_set() -> None:
    for text, router_env in (
        (k8s_router_config_text(), env_names(deployment_containers(production())["router"])),
        (
            (DEPLOY / "compose" / "router.yaml").read_text(),
            set(compose()["services"]["router"]["environment"]),
        ),
    ):
        required, _optional = config_env_references(text)
        assert required <= router_env
    for where, component, names, _container in manifest_env():
        if component in REQUIRED_ENV and "migrate" not in where:
            missing = REQUIRED_ENV[component] - names
            assert not missing, f"{where}: {sorted(missing)}"
    for where, _component, names, container in manifest_env():
        args = container.get("args") or container.get("command")
        if "subgraphs.shared.migrate" in args:
            assert names == {"DATABASE_URL"}, where


# --- probes, images, secrets --------------------------------------------------------------


def route_paths(app: Any) -> set[str]:
    return {
        route.path for route in app.routes if isinstance(route, Route) or hasattr(route, "path")
    }


@cache
def subgraph_routes() -> dict[str, set[str]]:
    import importlib

    routes = {}
    for name in SUBGRAPH_NAMES:
        app = importlib.import_module(f"subgraphs.{name}.app").app
        assert isinstance(app, FastAPI)
        routes[name] = route_paths(app)
    return routes


def test_probe_paths_are_routes_of_the_apps(tmp_path: Path) -> None:
    config = load_router_config(
        k8s_router_config_text(), tmp_path, {"FEDRA_REDIS_URL": "redis://redis:6379/0"}
    )
    router_app = create_router_app(
        config, supergraph_path=REPO_ROOT / "schema" / "supergraph.graphql"
    )
    routes = {**subgraph_routes(), "router": route_paths(router_app)}
    containers = deployment_containers(production())
    for name, paths in routes.items():
        container = containers[name]
        assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
        assert {"/health", "/ready"} <= paths, name
    port_of = {**subgraph_ports(), "router": ROUTER_PORT, "registry": REGISTRY_PORT}
    for name, service in fedra_services().items():
        if "healthcheck" not in service:
            continue
        (url,) = re.findall(
            r"http://127\.0\.0\.1:\d+/\w+", " ".join(service["healthcheck"]["test"])
        )
        parts = urlsplit(url)
        assert parts.port == port_of[name], name
        expected = "/health" if name == "registry" else "/ready"
        assert parts.path == expected, name
        if name in routes:
            assert parts.path in routes[name]


def test_images_agree_across_dockerfile_compose_and_kubernetes() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "-t fedra ." in dockerfile
    assert 'CMD ["fedra", "serve", "--config", "router.yaml"' in dockerfile
    for name, service in fedra_services().items():
        assert service["image"] == f"{IMAGE}:latest", name
        assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}, name
    raw = [doc for path in BASE.glob("*.yaml") for doc in load_documents(path) if "kind" in doc]
    assert {c["image"] for c in all_containers(raw)} == {IMAGE}
    assert {c["image"] for c in all_containers(base().documents)} == {f"{IMAGE}:latest"}
    base_kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert base_kustomization["images"] == [{"name": IMAGE, "newTag": "latest"}]
    overlay = yaml.safe_load((PRODUCTION / "kustomization.yaml").read_text())
    (image,) = overlay["images"]
    expected = f"{image['newName']}:{image['newTag']}"
    assert {c["image"] for c in all_containers(production().documents)} == {expected}


def test_secrets_are_referenced_and_never_inlined() -> None:
    for path in [*BASE.glob("*.yaml"), *PRODUCTION.glob("*.yaml")]:
        for doc in load_documents(path):
            assert doc.get("kind") != "Secret", path
    generated = {s.name: s for s in production().secrets}
    references = []
    for container in all_containers(production().documents):
        for entry in container.get("env", []):
            if "value" in entry:
                assert not SECRET_LOOKING.search(entry["name"]) or entry["name"] in {
                    "FEDRA_AUTH_KEYS_DIR",
                    "FEDRA_REGISTRY_TOKENS_FILE",
                }, entry
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                references.append((ref["name"], ref["key"]))
    for doc in production().of_kind("Deployment").values():
        for volume in doc["spec"]["template"]["spec"].get("volumes", []):
            if "secret" in volume:
                for item in volume["secret"]["items"]:
                    references.append((volume["secret"]["secretName"], item["key"]))
    assert references
    for name, key in references:
        assert name in generated and key in generated[name].files, (name, key)
    examples = PRODUCTION / "secrets.example"
    for secret in generated.values():
        for source in secret.files.values():
            assert source.parent.name == "secrets"
            assert (examples / source.name).exists(), source.name
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(PRODUCTION / "secrets" / "users-database-url")],
        cwd=REPO_ROOT,
    )
    assert ignored.returncode == 0, "deploy/k8s/overlays/production/secrets/ must be git-ignored"


def test_kubernetes_scaling_and_disruption_budgets() -> None:
    scaled = {"router", *SUBGRAPH_NAMES}
    for b in (base(), production()):
        hpas = b.of_kind("HorizontalPodAutoscaler")
        assert set(hpas) == scaled
        for name, hpa in hpas.items():
            assert hpa["apiVersion"] == "autoscaling/v2"
            assert hpa["spec"]["scaleTargetRef"] == {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": name,
            }
            assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        pdbs = b.of_kind("PodDisruptionBudget")
        assert set(pdbs) == scaled
        deployments = b.of_kind("Deployment")
        for name, pdb in pdbs.items():
            selector = deployments[name]["spec"]["selector"]["matchLabels"]
            assert pdb["spec"]["selector"]["matchLabels"] == selector
        for container in all_containers(b.documents):
            assert (
                container["resources"]["requests"]["cpu"]
                and container["resources"]["requests"]["memory"]
            )
            assert container["resources"]["limits"]["memory"]
    deployments = production().of_kind("Deployment")
    hpas = production().of_kind("HorizontalPodAutoscaler")
    for name in scaled:
        assert deployments[name]["spec"]["replicas"] >= hpas[name]["spec"]["minReplicas"] >= 2
    assert (
        deployments["router"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"][
            "cpu"
        ]
        == "1"
    )
    assert deployments["registry"]["spec"]["replicas"] == 1
    assert all(
        doc["metadata"].get("namespace") == "fedra"
        for doc in production().documents
        if doc["kind"] != "Namespace"
    )


@pytest.mark.parametrize("service", sorted(SUBGRAPH_NAMES))
def test_service_selectors_match_their_deployments(service: str) -> None:
    deployments = production().of_kind("Deployment")
    services = production().of_kind("Service")
    labels = deployments[service]["spec"]["template"]["metadata"]["labels"]
    assert services[service]["spec"]["selector"].items() <= labels.items()
