"""The child PushSecrets of a ClusterPushSecret: what each should be, and writing them.

ESO's ``createOrUpdatePushSecret``: the child is named ``pushSecretName`` (default: the
ClusterPushSecret's name), carries ``pushSecretMetadata``'s labels and annotations (replaced,
not merged), the ``pushSecretSpec`` as is, and a controller owner reference to the
ClusterPushSecret, so the garbage collector deletes children with their parent. A child is
written only when the cached copy differs, so a steady-state refresh makes no request. A
PushSecret of that name that some other owner controls is never touched and reported with
ESO's reason. Failures are returned per namespace, never raised, with a hint whether any is
worth a prompt retry.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eso.api import pushconditions as pc
from eso.api.clusterpushsecret import ClusterPushSecret
from eso.api.conditions import GROUP
from eso.api.pushsecret import API_VERSION, PushSecretSpec
from eso.controllers.clusterexternalsecret.desired import controller_of
from eso.kube.cache import Cache, Obj
from eso.kube.client import KubeClient
from eso.kube.errors import AlreadyExists, ApiError, Conflict, KubeError, NotFound, ServerError
from eso.kube.keys import make_key
from eso.kube.resources import PUSH_SECRETS

INDEX_CPS_OWNER = "cps-owner"
_TRANSIENT = (Conflict, ServerError)


def owner_reference(raw: Mapping[str, Any]) -> dict[str, Any]:
    meta = raw.get("metadata") or {}
    return {
        "apiVersion": API_VERSION,
        "kind": pc.KIND_CLUSTER_PUSH_SECRET,
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owning_cps(obj: Mapping[str, Any]) -> str | None:
    """The ClusterPushSecret controlling ``obj`` (ESO's ``isPushSecretOwnedBy``), or None."""
    ref = controller_of(obj)
    if ref is None or ref.get("kind") != pc.KIND_CLUSTER_PUSH_SECRET:
        return None
    if str(ref.get("apiVersion", "")).partition("/")[0] != GROUP:
        return None
    return str(ref.get("name", "")) or None


def cps_owner_index(obj: Obj) -> list[str]:
    """Informer index of PushSecrets: the ClusterPushSecret controlling each, if any."""
    owner = owning_cps(obj)
    return [owner] if owner else []


def desired_child(cps: ClusterPushSecret, raw: Mapping[str, Any], *, namespace: str) -> Obj:
    """The PushSecret ``cps`` wants in ``namespace`` (``raw`` is the cached parent)."""
    wanted = cps.spec.push_secret_metadata
    meta: dict[str, Any] = {
        "name": cps.push_secret_name,
        "namespace": namespace,
        "ownerReferences": [owner_reference(raw)],
    }
    if wanted.labels:
        meta["labels"] = dict(wanted.labels)
    if wanted.annotations:
        meta["annotations"] = dict(wanted.annotations)
    spec = copy.deepcopy((raw.get("spec") or {}).get("pushSecretSpec") or {})
    return {"apiVersion": API_VERSION, "kind": pc.KIND_PUSH_SECRET, "metadata": meta, "spec": spec}


def _same_spec(a: Any, b: Any) -> bool:
    if a == b:
        return True
    try:
        return PushSecretSpec.model_validate(a or {}) == PushSecretSpec.model_validate(b or {})
    except ValueError:
        return False


def child_is_current(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    em, dm = existing.get("metadata") or {}, desired["metadata"]
    return (
        (em.get("labels") or {}) == (dm.get("labels") or {})
        and (em.get("annotations") or {}) == (dm.get("annotations") or {})
        and controller_of(existing) == dm["ownerReferences"][0]
        and _same_spec(existing.get("spec"), desired.get("spec"))
    )


def updated_child(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> Obj:
    """``existing`` with the desired labels, annotations, owner and spec, for a PUT."""
    em, dm = existing.get("metadata") or {}, desired["metadata"]
    others = [dict(r) for r in em.get("ownerReferences") or [] if not r.get("controller")]
    meta = {
        k: em[k] for k in ("name", "namespace", "uid", "resourceVersion", "finalizers") if k in em
    }
    meta["ownerReferences"] = [*others, *dm["ownerReferences"]]
    for key in ("labels", "annotations"):
        if dm.get(key):
            meta[key] = dict(dm[key])
    return {**desired, "metadata": meta, "status": existing.get("status") or {}}


@dataclass(slots=True)
class Outcome:
    """Per-namespace failures of provisioning or cleaning up, and a retry hint."""

    failures: dict[str, str] = field(default_factory=dict)
    retry: bool = False

    def failed(self, namespace: str, error: KubeError, template: str) -> None:
        self.retry = self.retry or isinstance(error, _TRANSIENT) or not isinstance(error, ApiError)
        message = error.message if isinstance(error, ApiError) and error.message else str(error)
        self.failures[namespace] = template.format(error=message)


class ChildWriter:
    """Writes a ClusterPushSecret's children; reads only the PushSecret cache."""

    def __init__(self, client: KubeClient, *, push_secrets: Cache) -> None:
        self._client = client
        self._cache = push_secrets

    async def provision(
        self, cps: ClusterPushSecret, raw: Mapping[str, Any], namespaces: Iterable[str]
    ) -> Outcome:
        outcome = Outcome()
        for namespace in namespaces:
            try:
                reason = await self._provision_one(cps, raw, namespace)
            except KubeError as e:
                outcome.failed(namespace, e, pc.ERR_CPS_CREATE_OR_UPDATE)
                continue
            if reason is not None:
                outcome.failures[namespace] = reason
        return outcome

    async def _provision_one(
        self, cps: ClusterPushSecret, raw: Mapping[str, Any], namespace: str
    ) -> str | None:
        desired = desired_child(cps, raw, namespace=namespace)
        existing = self._cache.get(make_key(namespace, cps.push_secret_name))
        if existing is None:
            try:
                await self._client.create(PUSH_SECRETS, body=desired)
                return None
            except AlreadyExists:
                existing = await self._client.get(
                    PUSH_SECRETS, name=cps.push_secret_name, namespace=namespace
                )
        if owning_cps(existing) != cps.name:
            return pc.ERR_CPS_CHILD_EXISTS
        if not child_is_current(existing, desired):
            await self._client.replace(PUSH_SECRETS, body=updated_child(existing, desired))
        return None

    async def delete(self, children: Iterable[Obj]) -> Outcome:
        """Delete each child (already known to be ours); a vanished one is no failure."""
        outcome = Outcome()
        for child in children:
            meta = child["metadata"]
            try:
                with contextlib.suppress(NotFound):
                    await self._client.delete(
                        PUSH_SECRETS,
                        name=meta["name"],
                        namespace=meta.get("namespace"),
                        preconditions={"uid": meta.get("uid", "")},
                    )
            except KubeError as e:
                outcome.failed(meta.get("namespace", ""), e, pc.ERR_CPS_DELETE)
        return outcome
