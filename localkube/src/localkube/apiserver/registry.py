"""The kinds the control plane serves: built-ins plus whatever CRDs register.

A ``ResourceType`` is one (group, version, plural) endpoint. Several endpoints may share one
``storage`` key: the served versions of a CRD (conversion strategy None: only ``apiVersion``
differs) and core/v1 vs events.k8s.io/v1 Events (field renames, see ``conversion.py``).
Discovery and the OpenAPI documents are derived from this table, so a kind exists
everywhere at once or nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")

StorageKey = tuple[str, str]  # (group, plural): one object space shared by versions


@dataclass(frozen=True)
class ResourceType:
    """One served (group, version, plural) and everything the server needs to know about it."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    custom: bool = False
    schema: dict[str, Any] | None = field(default=None, compare=False)
    printer_columns: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    # Field selectors this kind accepts besides metadata.name/metadata.namespace.
    field_labels: frozenset[str] = frozenset()
    # Built-ins whose DELETE returns the object rather than a success Status.
    returns_deleted_object: bool = False
    # Built-ins that set metadata.generation (custom resources always do).
    has_generation: bool = False
    # CRs refuse an update without metadata.resourceVersion; most built-ins allow it.
    unconditional_update: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage(self) -> StorageKey:
        # events.k8s.io Events are core Events seen through another version.
        if self.group == "events.k8s.io" and self.plural == "events":
            return ("", "events")
        return (self.group, self.plural)

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


_EVENT_FIELDS = frozenset(
    {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    }
)
_EVENTS_V1_FIELDS = frozenset(
    {
        "regarding.kind",
        "regarding.namespace",
        "regarding.name",
        "regarding.uid",
        "regarding.apiVersion",
        "reason",
        "reportingController",
        "type",
    }
)


def builtin_types() -> list[ResourceType]:
    """The built-in kinds, in the order discovery lists them."""
    rt = ResourceType
    return [
        rt(
            "",
            "v1",
            "namespaces",
            "namespace",
            "Namespace",
            False,
            ("ns",),
            subresources=frozenset({"status", "finalize"}),
            returns_deleted_object=True,
            field_labels=frozenset({"status.phase"}),
        ),
        rt("", "v1", "secrets", "secret", "Secret", True, field_labels=frozenset({"type"})),
        rt("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",)),
        rt("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ("sa",)),
        rt(
            "",
            "v1",
            "pods",
            "pod",
            "Pod",
            True,
            ("po",),
            ("all",),
            subresources=frozenset({"status"}),
            returns_deleted_object=True,
            has_generation=True,
            field_labels=frozenset({"spec.nodeName", "status.phase"}),
        ),
        rt("", "v1", "events", "event", "Event", True, ("ev",), field_labels=_EVENT_FIELDS),
        rt(
            "events.k8s.io",
            "v1",
            "events",
            "event",
            "Event",
            True,
            ("ev",),
            field_labels=_EVENTS_V1_FIELDS,
        ),
        rt("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
        rt(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            False,
            ("crd", "crds"),
            ("api-extensions",),
            subresources=frozenset({"status"}),
            returns_deleted_object=True,
            has_generation=True,
        ),
        *_stored_only_types(),
    ]


def _stored_only_types() -> list[ResourceType]:
    """Kinds served only so that manifests (the Helm chart) apply and eso's rollout on change
    can patch workloads: no defaulting, no controllers behind them."""
    rt = ResourceType
    status = frozenset({"status"})
    rbac = "rbac.authorization.k8s.io"
    return [
        rt("", "v1", "services", "service", "Service", True, ("svc",), ("all",),
           subresources=status),
        rt("apps", "v1", "deployments", "deployment", "Deployment", True, ("deploy",), ("all",),
           subresources=status, has_generation=True),
        rt("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ("sts",), ("all",),
           subresources=status, has_generation=True),
        rt("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ("ds",), ("all",),
           subresources=status, has_generation=True),
        rt("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget",
           True, ("pdb",), subresources=status, has_generation=True),
        rt(rbac, "v1", "roles", "role", "Role", True),
        rt(rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", True),
        rt(rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", False),
        rt(rbac, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", False),
    ]  # fmt: skip


class Registry:
    """Lookup of served resource types; mutated only by CRD create/delete."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._builtin_groups: list[str] = []
        for t in builtin_types():
            self.add(t)
            if t.group not in self._builtin_groups:
                self._builtin_groups.append(t.group)

    def add(self, rt: ResourceType) -> None:
        self._types[(rt.group, rt.version, rt.plural)] = rt

    def remove_storage(self, storage: StorageKey) -> None:
        for key, t in list(self._types.items()):
            if t.custom and t.storage == storage:
                del self._types[key]

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def has_group_version(self, group: str, version: str) -> bool:
        return any(g == group and v == version for g, v, _ in self._types)

    def types(self) -> Iterator[ResourceType]:
        return iter(self._types.values())

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self._types.values() if t.group == group and t.version == version]

    def by_storage(self, storage: StorageKey) -> list[ResourceType]:
        return [t for t in self._types.values() if t.storage == storage]

    def groups(self) -> dict[str, list[str]]:
        """Group name → served versions, preferred first, built-in groups first."""
        out: dict[str, list[str]] = {}
        for g, v, _ in self._types:
            versions = out.setdefault(g, [])
            if v not in versions:
                versions.append(v)
        for versions in out.values():
            versions.sort(key=version_priority)
        return out


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version ordering: GA > beta > alpha, higher numbers first."""
    import re

    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if m is None:
        return (3, 0, 0)
    major = int(m.group(1))
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (stage, -major, -minor)
