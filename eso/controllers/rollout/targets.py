"""The ``eso.io/rollout-on-change`` annotation: which workloads an ExternalSecret restarts.

Parsed without I/O so every spelling users try is unit tested. The value is ``kind/name``
entries separated by commas (``deployment/api,statefulset/db``). Kinds are matched the way
``kubectl`` users write them (``deployment``, ``deployments``, ``deploy``, ``Deployment``,
``deployment.apps``; likewise ``sts`` and ``ds``). Only workloads in the ExternalSecret's own
namespace can be named: an entry with a namespace (``ns/kind/name``) is refused, because an
ExternalSecret's author must not be able to restart someone else's workloads. A bad entry is
reported (a problem string, no value of the Secret in it) and the other entries still roll.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from eso.controllers.rollout import messages as m
from eso.kube.resources import DAEMONSETS, DEPLOYMENTS, STATEFULSETS, Resource


def _kinds() -> dict[str, Resource]:
    """Every accepted spelling of a kind → its resource."""
    kinds: dict[str, Resource] = {}
    for resource, aliases in (
        (DEPLOYMENTS, ("deployment", "deployments", "deploy")),
        (STATEFULSETS, ("statefulset", "statefulsets", "sts")),
        (DAEMONSETS, ("daemonset", "daemonsets", "ds")),
    ):
        for alias in aliases:
            kinds[alias] = kinds[f"{alias}.apps"] = resource
    return kinds


_KINDS: Final = _kinds()

# RFC 1123 subdomain, as the API server validates object names.
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_MAX_NAME = 253


@dataclass(frozen=True, order=True)
class Workload:
    """One workload to roll: its resource and name, in the ExternalSecret's namespace."""

    kind: str
    name: str
    resource: Resource = field(compare=False)

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


@dataclass(frozen=True)
class Problem:
    """An entry of the annotation that names no workload eso may roll, and why."""

    entry: str
    detail: str


@dataclass(frozen=True)
class Targets:
    """What an annotation names: valid workloads (sorted, unique) and problems to report."""

    workloads: tuple[Workload, ...] = ()
    problems: tuple[Problem, ...] = ()


def annotation_of(raw: Mapping[str, Any]) -> str | None:
    """The annotation's value on a raw ExternalSecret (None: the feature is not asked for)."""
    annotations = (raw.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(m.ANNOTATION_ROLLOUT_ON_CHANGE)
    return value if isinstance(value, str) else None


def parse_targets(value: str) -> Targets:
    """Split ``value`` into workloads and problems; empty entries are ignored."""
    workloads: set[Workload] = set()
    problems: list[Problem] = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        parsed = _parse_entry(entry)
        if isinstance(parsed, Workload):
            workloads.add(parsed)
        else:
            problems.append(Problem(entry=entry, detail=parsed))
    return Targets(workloads=tuple(sorted(workloads)), problems=tuple(problems))


def _parse_entry(entry: str) -> Workload | str:
    """The workload ``entry`` names, or what is wrong with it."""
    parts = [p.strip() for p in entry.split("/")]
    if len(parts) == 3:
        return m.ERR_CROSS_NAMESPACE
    if len(parts) != 2 or not all(parts):
        return m.ERR_BAD_ENTRY
    kind, name = parts
    resource = _KINDS.get(kind.lower())
    if resource is None:
        return m.ERR_UNKNOWN_KIND.format(kind=kind)
    if len(name) > _MAX_NAME or not _NAME.fullmatch(name):
        return m.ERR_BAD_NAME.format(name=name)
    return Workload(kind=resource.kind, name=name, resource=resource)
