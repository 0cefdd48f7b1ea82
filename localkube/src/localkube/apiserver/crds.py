"""CustomResourceDefinitions: validation, defaults, status, and the types they serve.

kube-apiserver's apiextensions controllers accept names, mark the CRD Established and start
serving each served version; here that happens synchronously within the write, so a CRD is
served as soon as its create returns (a real cluster takes a moment: tests wait for the
Established condition either way). Deletion is handled by the garbage collector: instances
go first, then the CRD (finalizer ``customresourcecleanup.apiextensions.k8s.io``).
"""

from __future__ import annotations

from typing import Any

from localkube.apiserver.cel import rule_compile_errors
from localkube.apiserver.objects import field_invalid
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.status import Cause

JSONDict = dict[str, Any]
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def validate_crd(crd: JSONDict) -> list[Cause]:
    """The checks kube-apiserver makes that a hand-written CRD is likely to fail."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    causes: list[Cause] = []
    for path, value in (
        ("spec.group", spec.get("group")),
        ("spec.names.plural", names.get("plural")),
        ("spec.names.kind", names.get("kind")),
    ):
        if not value:
            causes.append(Cause("FieldValueRequired", "Required value", path))
    name = crd["metadata"].get("name", "")
    expected = f"{names.get('plural')}.{spec.get('group')}"
    if names.get("plural") and spec.get("group") and name != expected:
        causes.append(
            field_invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
        )
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            Cause(
                "FieldValueNotSupported",
                f'Unsupported value: "{spec.get("scope", "")}": supported values: '
                '"Cluster", "Namespaced"',
                "spec.scope",
            )
        )
    causes += _validate_versions(spec.get("versions") or [])
    return causes


def _validate_versions(versions: list[JSONDict]) -> list[Cause]:
    if not versions:
        return [
            Cause(
                "FieldValueInvalid",
                'Invalid value: "null": must have exactly one version marked as storage version',
                "spec.versions",
            )
        ]
    causes = []
    if sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            field_invalid(
                "spec.versions",
                [v.get("name") for v in versions],
                "must have exactly one version marked as storage version",
            )
        )
    for i, v in enumerate(versions):
        path = f"spec.versions[{i}].schema.openAPIV3Schema"
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if not schema:
            causes.append(Cause("FieldValueRequired", "Required value: schemas are required", path))
            continue
        causes += [
            Cause(e.type, e.message, e.field) for e in rule_compile_errors(schema, path=path)
        ]
    return causes


def default_crd(crd: JSONDict) -> None:
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
    spec.setdefault("conversion", {"strategy": "None"})
    for v in spec.get("versions") or []:
        cols = v.get("additionalPrinterColumns")
        if not cols:
            v.pop("additionalPrinterColumns", None)


def crd_status(crd: JSONDict, *, now: str, old: JSONDict | None) -> JSONDict:
    """Names accepted, Established, stored versions accumulated like the real server."""
    spec = crd["spec"]
    old_status = (old or {}).get("status") or {}
    stored = list(old_status.get("storedVersions") or [])
    storage = next((v["name"] for v in spec.get("versions", []) if v.get("storage")), None)
    if storage and storage not in stored:
        stored.append(storage)
    prior = {c["type"]: c for c in old_status.get("conditions") or []}

    def cond(type_: str, reason: str, message: str) -> JSONDict:
        since = prior.get(type_, {}).get("lastTransitionTime", now)
        return {
            "type": type_,
            "status": "True",
            "lastTransitionTime": since,
            "reason": reason,
            "message": message,
        }

    return {
        "acceptedNames": dict(spec["names"]),
        "conditions": [
            cond("NamesAccepted", "NoConflicts", "no conflicts found"),
            cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": stored,
    }


def served_types(crd: JSONDict) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    out = []
    for v in spec.get("versions") or []:
        if not v.get("served"):
            continue
        subresources = frozenset((v.get("subresources") or {}).keys())
        out.append(
            ResourceType(
                group=spec["group"],
                version=v["name"],
                plural=names["plural"],
                singular=names.get("singular") or names["kind"].lower(),
                kind=names["kind"],
                namespaced=spec.get("scope") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=subresources & {"status"},  # scale is not served
                custom=True,
                schema=(v.get("schema") or {}).get("openAPIV3Schema"),
                printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
                returns_deleted_object=True,
                has_generation=True,
                unconditional_update=False,
            )
        )
    return out
