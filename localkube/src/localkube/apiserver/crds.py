"""CustomResourceDefinitions: validation, defaults, status, and the types they serve.

kube-apiserver stores a new CRD with ``status.conditions: null`` and empty ``acceptedNames``;
its naming controller then accepts the names (``NamesAccepted``) and its establishing
controller marks it ``Established``, each a separate write, after the create has returned.
``establishing.py`` replays that sequence here, so a client that uses a CRD before it is
Established (or reads its conditions as a list) fails locally first. Its versions are served
(and listed in discovery) once Established. Deletion is handled by the garbage collector:
instances go first, then the CRD (finalizer ``customresourcecleanup.apiextensions.k8s.io``).
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


NAMES_ACCEPTED = "NamesAccepted"
ESTABLISHED = "Established"
# (type, status) -> (reason, message), as the naming and establishing controllers write them
_CONDITIONS = {
    (NAMES_ACCEPTED, "True"): ("NoConflicts", "no conflicts found"),
    (ESTABLISHED, "False"): ("Installing", "the initial names have been accepted"),
    (ESTABLISHED, "True"): ("InitialNamesAccepted", "the initial names have been accepted"),
}


def crd_status(crd: JSONDict, *, old: JSONDict | None) -> JSONDict:
    """The status a write stores: stored versions accumulate, conditions are kept.

    A new CRD gets kube-apiserver's initial status (no conditions, empty accepted names);
    ``controller_step`` adds the controllers' conditions afterwards. A CRD whose names were
    accepted has them re-accepted on update (no conflicting CRDs exist here).
    """
    spec = crd["spec"]
    old_status = (old or {}).get("status") or {}
    stored = list(old_status.get("storedVersions") or [])
    storage = next((v["name"] for v in spec.get("versions", []) if v.get("storage")), None)
    if storage and storage not in stored:
        stored.append(storage)
    accepted = old_status.get("acceptedNames") or {"kind": "", "plural": ""}
    if is_true(old or {}, NAMES_ACCEPTED):
        accepted = dict(spec["names"])
    return {
        "acceptedNames": accepted,
        "conditions": old_status.get("conditions"),
        "storedVersions": stored,
    }


def controller_step(crd: JSONDict, *, now: str) -> JSONDict | None:
    """The status the next controller writes, or None when ``crd`` is Established.

    The naming controller accepts the names and sets Established False (``Installing``); the
    establishing controller, seeing that, sets Established True.
    """
    if is_true(crd, ESTABLISHED):
        return None
    status = dict(crd.get("status") or {})
    if not is_true(crd, NAMES_ACCEPTED):
        status["acceptedNames"] = dict(crd["spec"]["names"])
        status["conditions"] = _set(status.get("conditions"), NAMES_ACCEPTED, "True", now=now)
        status["conditions"] = _set(status["conditions"], ESTABLISHED, "False", now=now)
    else:
        status["conditions"] = _set(status.get("conditions"), ESTABLISHED, "True", now=now)
    return status


def _set(conditions: list[JSONDict] | None, type_: str, value: str, *, now: str) -> list[JSONDict]:
    """apiextensions' SetCRDCondition: lastTransitionTime changes only with the status."""
    out = list(conditions or [])
    prior = next((c for c in out if c["type"] == type_), None)
    reason, message = _CONDITIONS[(type_, value)]
    since = prior["lastTransitionTime"] if prior and prior["status"] == value else now
    cond = {
        "type": type_,
        "status": value,
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    }
    if prior is None:
        return [*out, cond]
    return [cond if c is prior else c for c in out]


def is_true(crd: JSONDict, type_: str) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c["type"] == type_ and c["status"] == "True" for c in conditions)


def served_types(crd: JSONDict) -> list[ResourceType]:
    """The endpoints ``crd`` serves: none until it is Established."""
    if not is_true(crd, ESTABLISHED):
        return []
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
