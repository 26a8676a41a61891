"""The kubernetes target runs the catalog's container images unchanged: an entry that
runs on docker and says nothing of kubernetes gets a kubernetes target with its docker
variables (the modules share one contract), needing no program of the docker target's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from app.catalog.model import Catalog, Entry

TARGET = "kubernetes"


def with_kubernetes(catalog: Catalog, modules: Collection[str] | None = None) -> Catalog:
    """`catalog` with the kubernetes target derived where an entry lacks one (only when
    a kubernetes module is shipped: `modules`, None for all)."""
    if modules is not None and TARGET not in modules:
        return catalog
    return replace(catalog, entries={entry_id: _derived(e) for entry_id, e in catalog.entries.items()})


def _derived(entry: Entry) -> Entry:
    docker = entry.targets.get("docker")
    if docker is None or TARGET in entry.targets:
        return entry
    spec = replace(docker, name=TARGET, requires=tuple(r for r in docker.requires if r != "docker"))
    return replace(entry, targets={**entry.targets, TARGET: spec})
