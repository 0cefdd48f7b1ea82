"""The ClusterExternalSecret reconciler: one child ExternalSecret per selected namespace, and a
status saying where that worked.

A reconcile reads only informer caches (the CES, namespaces, the ExternalSecrets it controls)
and writes only what differs: children that are missing, outdated or no longer selected, and
the status when it changed. So its cost is proportional to change - the steady-state refresh
of a CES over 1,000 namespaces makes no API request (ESO patches the status each time).
Steps, as ESO orders them: children of an old ``externalSecretName`` and of namespaces no
longer selected are deleted, each selected namespace gets its child, then the status. ESO's
CES and namespace finalizers are not added: owner references let the garbage collector remove
the children with their CES, and a namespace's children go with the namespace (those ESO left
behind are released: ``finalizer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.clusterexternalsecret import DEFAULT_REFRESH_SECONDS, ClusterExternalSecret
from eso.api.duration import DurationError
from eso.clock import Clock, SystemClock
from eso.controllers.clusterexternalsecret import finalizer
from eso.controllers.clusterexternalsecret.children import ChildWriter, Outcome
from eso.controllers.clusterexternalsecret.desired import INDEX_CES_OWNER
from eso.controllers.clusterexternalsecret.errors import SelectorError
from eso.controllers.clusterexternalsecret.selection import (
    compile_selection,
    selected_namespaces,
)
from eso.controllers.clusterexternalsecret.status import (
    desired_status,
    ready_of,
    status_changed,
    status_patch,
)
from eso.controllers.runtime.conditions import cap_message
from eso.controllers.runtime.worker import HandledError, Result
from eso.kube.cache import Cache, Obj
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey
from eso.kube.resources import CLUSTER_EXTERNAL_SECRETS
from eso.logging import bound
from eso.metrics import ClusterExternalSecretMetrics

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ClusterExternalSecretCaches:
    """The caches a CES reconcile reads; ``external_secrets`` is indexed by ``INDEX_CES_OWNER``."""

    cluster_external_secrets: Cache
    namespaces: Cache
    external_secrets: Cache


class ChildrenFailedError(HandledError):
    """Some namespaces failed transiently; the status says which, the worker retries."""


class ClusterExternalSecretReconciler:
    """Reconciles ClusterExternalSecrets by key (the CES name); idempotent."""

    def __init__(
        self,
        *,
        caches: ClusterExternalSecretCaches,
        client: KubeClient,
        recorder: EventRecorder,
        metrics: ClusterExternalSecretMetrics,
        clock: Clock | None = None,
    ) -> None:
        self._caches = caches
        self._client = client
        self._recorder = recorder
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._children = ChildWriter(client, external_secrets=caches.external_secrets)

    async def reconcile(self, key: ObjectKey) -> Result:
        """Bring one CES's children and status in line; raises ``HandledError`` to retry."""
        raw = self._caches.cluster_external_secrets.get(key)
        if raw is None:
            self._metrics.forget(name=key)
            return Result()
        if (raw.get("metadata") or {}).get("deletionTimestamp"):
            # The garbage collector removes the children; only ESO's finalizers need us.
            if finalizer.has_eso_finalizer(raw):
                await finalizer.release(
                    self._client, raw, namespaces=self._caches.namespaces.list()
                )
            return Result()
        with bound(kind=c.KIND_CLUSTER_EXTERNAL_SECRET, name=str(key)):
            return await self._timed(key, raw)

    async def _timed(self, key: ObjectKey, raw: Obj) -> Result:
        start, ok = self._clock.now(), False
        try:
            result = await self._reconcile(raw)
            ok = True
            return result
        finally:
            self._metrics.reconciled(name=key, seconds=self._clock.now() - start, ok=ok)

    async def _reconcile(self, raw: Obj) -> Result:
        ces = ClusterExternalSecret.model_validate(raw)
        refresh = Result(requeue_after=_refresh_seconds(ces))
        try:
            selection = compile_selection(ces.spec)
        except SelectorError as e:
            failed = Outcome(failures={c.CES_UNKNOWN_NAMESPACE: str(e)})
            await self._write_status(raw, ces, provisioned=None, outcome=failed)
            return refresh
        namespaces = self._caches.namespaces.list()
        await self._free_terminating(ces.name, namespaces)
        selected = selected_namespaces(selection, namespaces)
        outcome = await self._children.delete(self._stale_children(ces, set(selected)))
        provisioned = await self._children.provision(ces, raw, selected)
        outcome.failures.update(provisioned.failures)
        outcome.retry = outcome.retry or provisioned.retry
        done = [ns for ns in selected if ns not in outcome.failures]
        await self._write_status(raw, ces, provisioned=done, outcome=outcome)
        if outcome.retry:
            raise ChildrenFailedError(c.MSG_CES_NAMESPACES_FAILED)
        return refresh

    async def _free_terminating(self, name: str, namespaces: list[Obj]) -> None:
        """Terminating namespaces still holding ESO's finalizer for this CES lose it."""
        mark = finalizer.namespace_finalizer(name)
        for ns in finalizer.holding(namespaces, name, terminating=True):
            await finalizer.drop_finalizer(self._client, ns, mark)

    def _stale_children(self, ces: ClusterExternalSecret, selected: set[str]) -> list[Obj]:
        """Children to delete: in a namespace no longer selected, or under an old name.

        Children in a namespace that is gone or terminating go with it: no request for them.
        """
        stale = []
        for child in self._caches.external_secrets.by_index(INDEX_CES_OWNER, ces.name):
            meta = child.get("metadata") or {}
            ns = meta.get("namespace", "")
            if ns in selected and meta.get("name") == ces.external_secret_name:
                continue
            if self._namespace_live(ns):
                stale.append(child)
        return stale

    def _namespace_live(self, name: str) -> bool:
        ns = self._caches.namespaces.get(name)
        return ns is not None and not (ns.get("metadata") or {}).get("deletionTimestamp")

    async def _write_status(
        self,
        raw: Obj,
        ces: ClusterExternalSecret,
        *,
        provisioned: list[str] | None,
        outcome: Outcome,
    ) -> None:
        current = raw.get("status")
        wanted = desired_status(
            current,
            external_secret_name=ces.external_secret_name,
            provisioned=provisioned,
            failures=outcome.failures,
        )
        self._metrics.ready(name=ces.name, status=ready_of(wanted))
        if not status_changed(current, wanted):
            return
        try:
            await self._client.patch(
                CLUSTER_EXTERNAL_SECRETS,
                name=ces.name,
                body=status_patch(wanted),
                subresource="status",
            )
        except NotFound:
            return
        self._report(raw, wanted)

    def _report(self, raw: Obj, status: Mapping[str, Any]) -> None:
        """An event when the outcome changed: which namespaces failed, or where it is now."""
        failed = status["failedNamespaces"]
        if failed:
            text = "; ".join(f"{f['namespace']}: {f['reason']}" for f in failed)
            log.warning("namespaces_failed", failed=len(failed))
            self._recorder.record(
                raw,
                type_="Warning",
                reason=c.EVENT_CES_NAMESPACES_FAILED,
                message=cap_message(f"{c.MSG_CES_NAMESPACES_FAILED}: {text}"),
            )
            return
        count = len(status["provisionedNamespaces"])
        log.info("provisioned", namespaces=count)
        self._recorder.record(
            raw,
            type_="Normal",
            reason=c.EVENT_CES_PROVISIONED,
            message=c.MSG_CES_PROVISIONED.format(name=status["externalSecretName"], count=count),
        )


def _refresh_seconds(ces: ClusterExternalSecret) -> float | None:
    """Seconds until the next refresh; None for ``0s`` (ESO's ``RequeueAfter: 0``: never)."""
    try:
        seconds = ces.spec.refresh_seconds()
    except DurationError:
        return DEFAULT_REFRESH_SECONDS
    return seconds if seconds > 0 else None
