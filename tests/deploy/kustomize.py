"""Enough of Kustomize to build deploy/k8s without the tool: resources (files and folders),
namespace, images, replicas, strategic-merge patches (containers merged by name) and
secretGenerator (the Secrets' names and keys; their files are not committed)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]


@dataclass(frozen=True)
class GeneratedSecret:
    name: str
    files: dict[str, Path]  # key -> the file it is made from


@dataclass(frozen=True)
class Build:
    documents: list[Document]
    secrets: list[GeneratedSecret]

    def of_kind(self, kind: str) -> dict[str, Document]:
        return {doc["metadata"]["name"]: doc for doc in self.documents if doc["kind"] == kind}


def load_documents(path: Path) -> list[Document]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def build(folder: Path) -> Build:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    documents: list[Document] = []
    secrets: list[GeneratedSecret] = []
    for resource in kustomization.get("resources", []):
        path = (folder / resource).resolve()
        if path.is_dir():
            inner = build(path)
            documents.extend(inner.documents)
            secrets.extend(inner.secrets)
        else:
            documents.extend(load_documents(path))
    for generator in kustomization.get("secretGenerator", []):
        files = {}
        for entry in generator.get("files", []):
            key, _, source = entry.partition("=")
            files[key] = folder / (source or key)
        secrets.append(GeneratedSecret(generator["name"], files))
    for patch in kustomization.get("patches", []):
        for patch_doc in load_documents(folder / patch["path"]):
            target = _find(documents, patch_doc["kind"], patch_doc["metadata"]["name"])
            _merge(target, patch_doc)
    for replicas in kustomization.get("replicas", []):
        _find(documents, "Deployment", replicas["name"])["spec"]["replicas"] = replicas["count"]
    for image in kustomization.get("images", []):
        for container in all_containers(documents):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                new_name = image.get("newName", name)
                container["image"] = f"{new_name}:{image.get('newTag', tag or 'latest')}"
    if "namespace" in kustomization:
        for doc in documents:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
    return Build(documents, secrets)


def all_containers(documents: list[Document], *, init: bool = True) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = []
    for doc in documents:
        if doc["kind"] == "Deployment":
            spec = doc["spec"]["template"]["spec"]
            containers.extend(spec["containers"])
            if init:
                containers.extend(spec.get("initContainers", []))
    return containers


def _find(documents: list[Document], kind: str, name: str) -> Document:
    for doc in documents:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind} {name} to patch")


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif isinstance(value, list) and key in {"containers", "initContainers"}:
            by_name = {item["name"]: item for item in target.get(key, [])}
            for item in value:
                if item["name"] in by_name:
                    _merge(by_name[item["name"]], item)
                else:
                    target.setdefault(key, []).append(copy.deepcopy(item))
        else:
            target[key] = copy.deepcopy(value)
