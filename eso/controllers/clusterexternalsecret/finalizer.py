"""ESO's ClusterExternalSecret finalizers, left behind by a migration from ESO: release them.

ESO puts ``clusterexternalsecret-cleanup`` on each CES and ``ces-<name>`` on every namespace the
CES provisioned, and removes them itself on deletion. eso adds neither (owner references and
namespace deletion already remove the children), but once ESO is gone a CES or a namespace
carrying one would never finish deleting. So eso releases them as ESO would: a terminating
namespace loses its ``ces-<name>`` finalizer, and a deleted CES loses its own after the
namespaces' ones. Each patch carries the object's resourceVersion, so a concurrent change is a
conflict (retried), never a lost update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eso.api import conditions as c
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.resources import CLUSTER_EXTERNAL_SECRETS, NAMESPACES


def _finalizers(obj: Mapping[str, Any]) -> list[str]:
    return list((obj.get("metadata") or {}).get("finalizers") or [])


def namespace_finalizer(ces_name: str) -> str:
    """ESO's finalizer on a namespace provisioned by the CES ``ces_name``."""
    return c.FINALIZER_CES_NAMESPACE_PREFIX + ces_name


def has_eso_finalizer(ces: Mapping[str, Any]) -> bool:
    return c.FINALIZER_CLUSTER_EXTERNAL_SECRET in _finalizers(ces)


def holding(
    namespaces: Iterable[Mapping[str, Any]], ces_name: str, *, terminating: bool
) -> list[Mapping[str, Any]]:
    """Namespaces carrying ESO's finalizer for ``ces_name`` (only terminating ones if asked)."""
    mark = namespace_finalizer(ces_name)
    return [
        ns
        for ns in namespaces
        if mark in _finalizers(ns)
        and (not terminating or (ns.get("metadata") or {}).get("deletionTimestamp"))
    ]


async def drop_finalizer(
    client: KubeClient, obj: Mapping[str, Any], finalizer: str, *, cluster_ces: bool = False
) -> None:
    """Remove ``finalizer`` from a namespace (or, with ``cluster_ces``, a CES); gone is fine."""
    meta = obj.get("metadata") or {}
    kept = [f for f in _finalizers(obj) if f != finalizer]
    body = {"metadata": {"finalizers": kept, "resourceVersion": meta.get("resourceVersion")}}
    resource = CLUSTER_EXTERNAL_SECRETS if cluster_ces else NAMESPACES
    try:
        await client.patch(resource, name=str(meta.get("name", "")), body=body)
    except NotFound:
        return


async def release(
    client: KubeClient, ces: Mapping[str, Any], *, namespaces: Iterable[Mapping[str, Any]]
) -> None:
    """A deleted CES with ESO's finalizer: free its namespaces, then itself. Raises KubeError."""
    name = str((ces.get("metadata") or {}).get("name", ""))
    for ns in holding(namespaces, name, terminating=False):
        await drop_finalizer(client, ns, namespace_finalizer(name))
    await drop_finalizer(client, ces, c.FINALIZER_CLUSTER_EXTERNAL_SECRET, cluster_ces=True)
