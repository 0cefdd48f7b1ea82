"""The target Secret an ExternalSecret wants, computed without I/O.

Everything here is pure so the rules ESO users depend on can be unit tested exhaustively:

- the ``reconcile.external-secrets.io/data-hash`` annotation uses ESO's exact hash, so a Secret
  written by ESO is recognised as current by eso and vice versa during a migration;
- creationPolicy ``Owner`` and ``Orphan`` replace the Secret's data with the fetched values (ESO
  without a template), ``Merge`` lays them over the keys someone else owns;
- ownership follows ESO's ``applyOwnership``: a Secret controlled by another ExternalSecret is
  never taken over; ``Owner`` sets a controller reference (so the control plane garbage-collects
  the Secret with its ExternalSecret) and the ``created-by`` label, other policies remove ours.

- a template (``templating``) shapes the Secret (``Shape``): type, labels, annotations,
  finalizers. What a previous render put there and this one does not must go, as ESO removes
  what its field manager owns (``getManagedDataKeys``/``GetManagedLabelKeys``). eso records
  the keys it rendered in one annotation of its own (``ANNOTATION_TEMPLATE_KEYS``): the
  metadata-only cache drops managedFields, so only a record in the annotations lets the
  steady-state check (``metadata_is_current``, no GET) see that a spec change removed a
  label, and the local control plane records no managedFields. When a full Secret is read,
  the keys ESO's field manager owns (eso writes as that manager) count too, so a Secret
  migrated from ESO loses stale template keys as under ESO. The cost is one annotation on
  templated Secrets; Secrets without a template are unchanged.

Secrets are the API server's plain dicts (``data`` base64); values are ``bytes`` in memory and
never appear in an exception message.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

from eso.api import conditions as c
from eso.api.externalsecret import CreationPolicy
from eso.api.hashing import data_hash, field_owner, owner_label_value
from eso.kube.objects import OwnerReference, decode_data, encode_data


class OwnershipError(Exception):
    """The target Secret cannot be managed by this ExternalSecret (no secret data inside)."""

    def __init__(self, condition_message: str, detail: str) -> None:
        super().__init__(f"{condition_message}: {detail}")
        self.condition_message = condition_message


# --- ownership ------------------------------------------------------------------------------


def owner_reference(*, name: str, uid: str) -> OwnerReference:
    """A controller reference to an ExternalSecret, as controller-runtime writes it."""
    return {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND_EXTERNAL_SECRET,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: Mapping[str, Any]) -> OwnerReference | None:
    """The ownerReference with ``controller: true``, if any."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return cast(OwnerReference, dict(ref))
    return None


def _is_es_ref(ref: OwnerReference) -> bool:
    group = str(ref.get("apiVersion", "")).split("/")[0]
    return group == c.GROUP and ref.get("kind") == c.KIND_EXTERNAL_SECRET


# eso's record of what its last render put on a templated Secret (see the module docstring).
ANNOTATION_TEMPLATE_KEYS: Final = "reconcile.external-secrets.io/template-keys"


@dataclass(frozen=True)
class Shape:
    """What a template decides of the Secret besides its data (``templating.render``).

    ``templated`` False (no template): nothing beyond eso's own labels and annotations.
    ``data_keys`` are the keys the template rendered, recorded so a later render can drop
    the ones it no longer produces (creationPolicy Merge keeps other keys).
    """

    templated: bool = False
    type: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    finalizers: tuple[str, ...] = ()
    data_keys: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    """Template source (``ConfigMap/name``) → resourceVersion rendered: recorded so a source
    edited since (even while eso was down) is re-rendered without waiting for a refresh."""

    def record(self) -> str | None:
        """The ``ANNOTATION_TEMPLATE_KEYS`` value this shape writes (None: no annotation)."""
        if not self.templated:
            return None
        keys: dict[str, Any] = {
            "annotations": sorted(self.annotations),
            "data": list(self.data_keys),
            "labels": sorted(self.labels),
        }
        if self.type:
            keys["type"] = self.type
        if self.sources:
            keys["sources"] = dict(self.sources)
        return json.dumps(keys, separators=(",", ":"), sort_keys=True)


def recorded_sources(meta: Mapping[str, Any]) -> dict[str, str] | None:
    """The source versions a templated Secret's record holds (None: no record)."""
    raw = (meta.get("annotations") or {}).get(ANNOTATION_TEMPLATE_KEYS)
    try:
        keys = json.loads(raw) if raw else None
    except ValueError:
        return {}
    if not isinstance(keys, dict):
        return None if keys is None else {}
    sources = keys.get("sources") or {}
    return {str(k): str(v) for k, v in sources.items()} if isinstance(sources, dict) else {}


@dataclass(frozen=True)
class _Previous:
    """The keys a previous render wrote on the existing Secret."""

    data: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    annotations: frozenset[str] = frozenset()

    def __or__(self, other: _Previous) -> _Previous:
        return _Previous(
            data=self.data | other.data,
            labels=self.labels | other.labels,
            annotations=self.annotations | other.annotations,
        )


def _previous(existing: Mapping[str, Any] | None, *, manager: str | None) -> _Previous:
    """eso's record, plus (``manager`` given) what that field manager owns, as ESO reads it."""
    annotations = ((existing or {}).get("metadata") or {}).get("annotations") or {}
    try:
        keys = json.loads(annotations.get(ANNOTATION_TEMPLATE_KEYS) or "{}")
    except ValueError:
        keys = {}
    if not isinstance(keys, dict):
        keys = {}

    def names(part: str) -> frozenset[str]:
        value = keys.get(part)
        return frozenset(str(k) for k in value) if isinstance(value, list) else frozenset()

    recorded = _Previous(
        data=names("data"), labels=names("labels"), annotations=names("annotations")
    )
    if manager is None or existing is None:
        return recorded
    return recorded | _managed_fields(existing, manager)


def _managed_fields(existing: Mapping[str, Any], manager: str) -> _Previous:
    """ESO's ``getManagedDataKeys``/``GetManagedLabelKeys``: fields ``manager`` owns.

    A real API server records them for every write, ESO's included (eso writes as ESO's field
    manager), so a Secret migrated from ESO loses the template keys ESO put there too.
    """
    found: dict[str, set[str]] = {"data": set(), "labels": set(), "annotations": set()}
    for entry in (existing.get("metadata") or {}).get("managedFields") or []:
        fields = entry.get("fieldsV1") if entry.get("manager") == manager else None
        if not isinstance(fields, dict):
            continue
        meta = fields.get("f:metadata") or {}
        for part, owned in (
            ("data", fields.get("f:data")),
            ("labels", meta.get("f:labels")),
            ("annotations", meta.get("f:annotations")),
        ):
            if isinstance(owned, dict):
                found[part].update(k.removeprefix("f:") for k in owned if k != ".")
    return _Previous(**{k: frozenset(v) for k, v in found.items()})


@dataclass(frozen=True)
class Target:
    """What one ExternalSecret wants of its target Secret."""

    es_name: str
    es_uid: str
    namespace: str
    secret_name: str
    creation_policy: CreationPolicy = "Owner"
    immutable: bool = False
    shape: Shape = field(default_factory=Shape)


def _apply_ownership(secret: dict[str, Any], target: Target) -> None:
    """ESO's ``applyOwnership``; raises OwnershipError when the Secret is not ours to take."""
    meta = secret.setdefault("metadata", {})
    refs: list[OwnerReference] = [
        cast(OwnerReference, dict(r)) for r in meta.get("ownerReferences") or []
    ]
    current = next((r for r in refs if r.get("controller")), None)
    owned_by_es = current is not None and _is_es_ref(current)
    owned_by_us = owned_by_es and current is not None and current.get("name") == target.es_name
    if owned_by_es and not owned_by_us and current is not None:
        raise OwnershipError(c.MSG_ERROR_IS_OWNED, f"secret is owned by {current.get('name')}")
    owner = target.creation_policy == "Owner"
    if owner:
        if current is not None and not owned_by_us:
            raise OwnershipError(
                c.MSG_ERROR_BECOME_OWNER, f"secret is controlled by {current.get('kind')}"
            )
        refs = [r for r in refs if not (r.get("controller") and _is_es_ref(r))]
        refs.append(owner_reference(name=target.es_name, uid=target.es_uid))
    elif owned_by_us:
        refs = [r for r in refs if not (r.get("controller") and _is_es_ref(r))]
    if refs:
        meta["ownerReferences"] = refs
    else:
        meta.pop("ownerReferences", None)
    labels = meta.setdefault("labels", {})
    if owner:
        labels[c.LABEL_OWNER] = owner_label_value(target.namespace, target.es_name)
    else:
        labels.pop(c.LABEL_OWNER, None)


def desired_secret(
    target: Target, *, data: Mapping[str, bytes], existing: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The full Secret to create (``existing`` None) or to replace ``existing`` with.

    Owner/Orphan: data is exactly ``data``. Merge: ``data`` over the existing keys. Labels,
    annotations and owner references of others are kept; the managed label, data hash and
    ownership are set. Raises OwnershipError when the Secret belongs to someone else.
    """
    if existing is None:
        secret: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": target.secret_name, "namespace": target.namespace},
            "type": "Opaque",
        }
    else:
        secret = copy.deepcopy(dict(existing))
        secret.setdefault("metadata", {}).pop("managedFields", None)
    # Without a template ESO re-copies the ExternalSecret's metadata, which eso does not: reading
    # managedFields then would drop labels ESO put there and nothing re-adds.
    manager = field_owner(target.es_name) if target.shape.templated else None
    previous = _previous(existing, manager=manager)
    merged = final_data(target, data=data, existing=existing, drop=previous.data)
    secret["data"] = encode_data(merged)
    if target.immutable:
        secret["immutable"] = True
    _apply_shape(secret, target.shape, previous)
    _apply_ownership(secret, target)
    meta = secret["metadata"]
    meta.setdefault("labels", {})[c.LABEL_MANAGED] = c.LABEL_MANAGED_VALUE
    meta.setdefault("annotations", {})[c.ANNOTATION_DATA_HASH] = data_hash(merged)
    return secret


def _apply_shape(secret: dict[str, Any], shape: Shape, previous: _Previous) -> None:
    """ESO's ``setMetadata`` and template ``type``: drop what the last render put, add this."""
    meta = secret["metadata"]
    for part, drop, add in (
        ("labels", previous.labels, shape.labels),
        ("annotations", previous.annotations | {ANNOTATION_TEMPLATE_KEYS}, shape.annotations),
    ):
        kept = {k: v for k, v in (meta.get(part) or {}).items() if k not in drop}
        meta[part] = {**kept, **add}
    record = shape.record()
    if record is not None:
        meta["annotations"][ANNOTATION_TEMPLATE_KEYS] = record
    if shape.type:
        secret["type"] = shape.type
    finalizers = list(meta.get("finalizers") or [])
    missing = [f for f in shape.finalizers if f not in finalizers]
    if missing and not meta.get("deletionTimestamp"):
        meta["finalizers"] = finalizers + missing


def final_data(
    target: Target,
    *,
    data: Mapping[str, bytes],
    existing: Mapping[str, Any] | None,
    drop: frozenset[str] = frozenset(),
) -> dict[str, bytes]:
    """The Secret's data after a sync: Merge keeps existing keys, other policies replace.

    ``drop``: keys a previous render wrote, which Merge does not keep (ESO removes the keys
    its field manager owns before re-applying).
    """
    if target.creation_policy == "Merge" and existing is not None:
        merged = {k: v for k, v in decode_data(existing.get("data")).items() if k not in drop}
        merged.update(data)
        return merged
    return dict(data)


def needs_write(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """True when replacing ``existing`` with ``desired`` would change anything we manage."""
    em, dm = existing.get("metadata", {}), desired.get("metadata", {})
    return (
        (existing.get("data") or {}) != (desired.get("data") or {})
        or (em.get("labels") or {}) != (dm.get("labels") or {})
        or (em.get("annotations") or {}) != (dm.get("annotations") or {})
        or (em.get("ownerReferences") or []) != (dm.get("ownerReferences") or [])
        or (em.get("finalizers") or []) != (dm.get("finalizers") or [])
        or existing.get("type") != desired.get("type")
        or bool(existing.get("immutable")) != bool(desired.get("immutable"))
    )


def metadata_is_current(meta: Mapping[str, Any], target: Target, *, want_hash: str) -> bool:
    """Whether a cached (metadata-only) Secret already carries what a sync would write.

    Used to skip a GET and a write in the steady state: the data hash stands for the data,
    provided the caller knows nobody edited the data since (its resourceVersion is one we
    wrote or verified).
    """
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if labels.get(c.LABEL_MANAGED) != c.LABEL_MANAGED_VALUE:
        return False
    if annotations.get(c.ANNOTATION_DATA_HASH) != want_hash:
        return False
    if not _shape_is_current(meta, target.shape):
        return False
    owner = target.creation_policy == "Owner"
    if owner != (labels.get(c.LABEL_OWNER) == owner_label_value(target.namespace, target.es_name)):
        return False
    ctrl = controller_of({"metadata": meta})
    is_ours = ctrl is not None and _is_es_ref(ctrl) and ctrl.get("uid") == target.es_uid
    return owner == is_ours


def _shape_is_current(meta: Mapping[str, Any], shape: Shape) -> bool:
    """Labels, annotations and finalizers as the template wants them; the record stands for
    the keys to remove and the type (a metadata-only cache carries no ``type``)."""
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if annotations.get(ANNOTATION_TEMPLATE_KEYS) != shape.record():
        return False
    finalizers = set(meta.get("finalizers") or [])
    return (
        all(labels.get(k) == v for k, v in shape.labels.items())
        and all(annotations.get(k) == v for k, v in shape.annotations.items())
        and finalizers.issuperset(shape.finalizers)
    )


def data_matches_hash(secret: Mapping[str, Any]) -> bool:
    """ESO's ``isSecretValid`` data check: the data still matches its data-hash annotation."""
    annotations = secret.get("metadata", {}).get("annotations") or {}
    want = annotations.get(c.ANNOTATION_DATA_HASH)
    return want is not None and want == data_hash(decode_data(secret.get("data")))
