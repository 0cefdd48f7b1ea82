"""The ClusterPushSecret reconciler: one child PushSecret per selected namespace, and a status
saying where that worked (ESO's ``clusterpushsecret_controller``).

A reconcile reads only informer caches (the ClusterPushSecret, Namespaces, the PushSecrets it
controls) and writes only what differs. Steps, as ESO orders them: children under an old
``pushSecretName`` and in namespaces no longer selected are deleted (only ones this parent
controls), each selected namespace gets its child, then the status: ``pushSecretName``,
sorted ``provisionedNamespaces``, ``failedNamespaces`` with ESO's reasons and ``Ready`` (True,
or False with "one or more namespaces failed"). A deleted ClusterPushSecret needs nothing: its
children carry owner references and go with it (each running its own ``deletionPolicy``).
Selection reuses the ClusterExternalSecret controller's compiled selectors (Kubernetes'
``LabelSelectorAsSelector`` rules); an invalid selector fails the whole reconcile, as in ESO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from eso.api import pushconditions as pc
from eso.api.clusterpushsecret import DEFAULT_REFRESH_SECONDS, ClusterPushSecret
from eso.api.duration import DurationError
from eso.api.meta import format_time
from eso.clock import Clock, SystemClock
from eso.controllers.clusterexternalsecret.errors import SelectorError
from eso.controllers.clusterexternalsecret.selection import (
    NamespaceSelection,
    compile_selector,
    selected_namespaces,
)
from eso.controllers.clusterpushsecret.children import INDEX_CPS_OWNER, ChildWriter, Outcome
from eso.controllers.runtime.conditions import get_condition
from eso.controllers.runtime.worker import HandledError, Result
from eso.kube.cache import Cache, Obj
from eso.kube.client import KubeClient
from eso.kube.errors import NotFound
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey
from eso.kube.resources import CLUSTER_PUSH_SECRETS
from eso.logging import bound
from eso.metrics import ClusterPushSecretMetrics

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ClusterPushSecretCaches:
    """The caches a reconcile reads; ``push_secrets`` is indexed by ``INDEX_CPS_OWNER``."""

    cluster_push_secrets: Cache
    namespaces: Cache
    push_secrets: Cache


class NamespacesFailedError(HandledError):
    """Some namespaces failed transiently; the status says which, the worker retries."""


def ready_condition(
    current: dict[str, Any] | None, *, failed: bool, now: datetime
) -> dict[str, str]:
    """ESO's condition: Ready True, or False with its message; the transition time is kept
    while the status stays the same."""
    status = "False" if failed else "True"
    cond = {"type": "Ready", "status": status}
    if failed:
        cond["message"] = pc.MSG_CPS_NAMESPACES_FAILED
    same = current is not None and current.get("status") == status
    cond["lastTransitionTime"] = (
        str(current.get("lastTransitionTime", "")) if same and current else format_time(now)
    ) or format_time(now)
    return cond


class ClusterPushSecretReconciler:
    """Reconciles ClusterPushSecrets by key (the name); idempotent."""

    def __init__(
        self,
        *,
        caches: ClusterPushSecretCaches,
        client: KubeClient,
        recorder: EventRecorder,
        metrics: ClusterPushSecretMetrics,
        clock: Clock | None = None,
    ) -> None:
        self._caches = caches
        self._client = client
        self._recorder = recorder
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._children = ChildWriter(client, push_secrets=caches.push_secrets)

    async def reconcile(self, key: ObjectKey) -> Result:
        """Bring one ClusterPushSecret's children and status in line."""
        raw = self._caches.cluster_push_secrets.get(key)
        if raw is None:
            self._metrics.forget(namespace="", name=key)
            return Result()
        if (raw.get("metadata") or {}).get("deletionTimestamp"):
            return Result()
        with bound(kind=pc.KIND_CLUSTER_PUSH_SECRET, name=key):
            start, ok = self._clock.now(), False
            try:
                result = await self._reconcile(raw)
                ok = True
                return result
            finally:
                seconds = self._clock.now() - start
                self._metrics.reconciled(namespace="", name=key, seconds=seconds, ok=ok)

    async def _reconcile(self, raw: Obj) -> Result:
        cps = ClusterPushSecret.model_validate(raw)
        refresh = Result(requeue_after=_refresh_seconds(cps))
        try:
            selection = NamespaceSelection(
                selectors=tuple(compile_selector(s) for s in cps.spec.namespace_selectors),
                names=frozenset(),
            )
        except SelectorError as e:
            log.warning("namespace_selector_invalid", error=str(e))
            await self._write(raw, cps, provisioned=[], outcome=Outcome(), broken=True)
            return refresh
        selected = selected_namespaces(selection, self._caches.namespaces.list())
        outcome = await self._children.delete(self._stale(cps, set(selected)))
        provisioned = await self._children.provision(cps, raw, selected)
        outcome.failures.update(provisioned.failures)
        outcome.retry = outcome.retry or provisioned.retry
        done = [ns for ns in selected if ns not in outcome.failures]
        await self._write(raw, cps, provisioned=done, outcome=outcome)
        if outcome.retry:
            raise NamespacesFailedError(pc.MSG_CPS_NAMESPACES_FAILED)
        return refresh

    def _stale(self, cps: ClusterPushSecret, selected: set[str]) -> list[Obj]:
        """Children in a namespace no longer selected, or under an old name (live ones)."""
        stale = []
        for child in self._caches.push_secrets.by_index(INDEX_CPS_OWNER, cps.name):
            meta = child.get("metadata") or {}
            ns = meta.get("namespace", "")
            if ns in selected and meta.get("name") == cps.push_secret_name:
                continue
            live = self._caches.namespaces.get(ns)
            if live is not None and not (live.get("metadata") or {}).get("deletionTimestamp"):
                stale.append(child)
        return stale

    async def _write(
        self,
        raw: Obj,
        cps: ClusterPushSecret,
        *,
        provisioned: list[str],
        outcome: Outcome,
        broken: bool = False,
    ) -> None:
        current = raw.get("status") or {}
        failed = broken or bool(outcome.failures)
        before = get_condition(current.get("conditions"), "Ready")
        cond = ready_condition(
            dict(before) if before else None, failed=failed, now=self._clock.wall()
        )
        wanted = {
            "pushSecretName": cps.push_secret_name,
            "provisionedNamespaces": sorted(provisioned),
            "failedNamespaces": [
                {"namespace": ns, "reason": reason}
                for ns, reason in sorted(outcome.failures.items())
            ],
            "conditions": [cond],
        }
        self._metrics.ready(namespace="", name=cps.name, status=cond["status"])
        if _same(current, wanted):
            return
        try:
            await self._client.patch(
                CLUSTER_PUSH_SECRETS,
                name=cps.name,
                body=[{"op": "add", "path": "/status", "value": wanted}],
                patch_type="json",
                subresource="status",
            )
        except NotFound:
            return
        self._report(raw, wanted, broken=broken)

    def _report(self, raw: Obj, status: dict[str, Any], *, broken: bool) -> None:
        if broken or status["failedNamespaces"]:
            message = pc.MSG_CPS_TARGET_NAMESPACES if broken else pc.MSG_CPS_NAMESPACES_FAILED
            self._recorder.record(raw, type_="Warning", reason=pc.REASON_ERRORED, message=message)
            return
        count = len(status["provisionedNamespaces"])
        self._recorder.record(
            raw,
            type_="Normal",
            reason=pc.EVENT_CPS_PROVISIONED,
            message=pc.MSG_CPS_PROVISIONED.format(name=status["pushSecretName"], count=count),
        )


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether writing ``wanted`` would change nothing (the transition time aside)."""

    def strip(status: dict[str, Any]) -> dict[str, Any]:
        conds = [
            {k: v for k, v in c.items() if k != "lastTransitionTime"}
            for c in status.get("conditions") or []
        ]
        return {
            "pushSecretName": status.get("pushSecretName", ""),
            "provisionedNamespaces": status.get("provisionedNamespaces") or [],
            "failedNamespaces": status.get("failedNamespaces") or [],
            "conditions": conds,
        }

    return strip(current) == strip(wanted)


def _refresh_seconds(cps: ClusterPushSecret) -> float | None:
    """Seconds until the next refresh; None for ``0s`` (never)."""
    try:
        seconds = cps.spec.refresh_seconds()
    except DurationError:
        return DEFAULT_REFRESH_SECONDS
    return seconds if seconds > 0 else None
