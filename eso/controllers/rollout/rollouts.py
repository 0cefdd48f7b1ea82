"""Restart the workloads an ExternalSecret names when its Secret's data changes.

The Secret writer reports a data change (``data_changed``) at the one point that knows it:
after it replaced an existing Secret whose data-hash annotation differed from the new one.
So nothing rolls on the first sync that creates the Secret (pods starting then read the new
Secret anyway; Reloader without ``--reload-on-create``, its default, does the same), on a no-op
refresh, on a metadata-only change (labels, annotations, owner), or when eso repairs a hand
edit back to the data it last wrote (the hash annotation still records that data).

After the reconcile has written the Secret and status, ``run`` patches each named workload's
``spec.template.metadata.annotations`` (merge patch) with a keyed hash of the data
(``podhash``); the workload's own controller then rolls its pods. A workload that rolled less
than the minimum interval ago is deferred: the change stays pending with the latest hash and
``run`` returns when to come back (the reconciler requeues the ExternalSecret then), so a
change is never dropped, only merged with later ones. A workload that is missing or may not
be patched, and a bad annotation entry, get a Warning event on the ExternalSecret and are not
retried until the next change; other API errors retry. None of this touches the
ExternalSecret's Ready condition: it says whether the Secret synced, which it did.

Contract: ``data_changed`` and ``run`` for one ExternalSecret key come from its reconcile,
which the workqueue never runs concurrently; the only state shared between keys is the
per-workload limiter, which checks and records without an await in between. Pending changes
are in memory: a restart or leadership change in the deferral window loses them (the new
leader rolls on the next change). A patch cancelled midway (shutdown) still counts for the
limiter, since it may have reached the server. ``forget`` when the ExternalSecret is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import structlog

from eso.clock import Clock
from eso.controllers.rollout import messages as m
from eso.controllers.rollout.limiter import MinIntervalLimiter
from eso.controllers.rollout.podhash import annotation_key, data_hmac
from eso.controllers.rollout.targets import Workload, annotation_of, parse_targets
from eso.kube.client import KubeClient
from eso.kube.errors import BadRequest, Forbidden, Invalid, KubeError, NotFound
from eso.kube.events import EventRecorder, EventType
from eso.kube.keys import ObjectKey, split_key
from eso.metrics import RolloutMetrics

log = structlog.get_logger(__name__)

# Seconds before a patch that failed for a transient reason (5xx, timeout) is tried again.
RETRY_AFTER: Final = 10.0


@dataclass
class _Pending:
    """A data change not yet rolled out everywhere: the hash to write, who has it."""

    value: str
    done: set[Workload] = field(default_factory=set)
    reported: bool = False


class Rollouts:
    """Pending rollouts per ExternalSecret key and the patches that carry them out."""

    def __init__(
        self,
        client: KubeClient,
        *,
        enabled: bool,
        min_interval: float,
        recorder: EventRecorder,
        metrics: RolloutMetrics,
        clock: Clock,
    ) -> None:
        self._client = client
        self._enabled = enabled
        self._recorder = recorder
        self._metrics = metrics
        self._limiter = MinIntervalLimiter(min_interval=min_interval, clock=clock)
        self._pending: dict[ObjectKey, _Pending] = {}

    def data_changed(
        self, key: ObjectKey, raw: Mapping[str, Any], secret: Mapping[str, Any]
    ) -> None:
        """The Secret of ``key`` now holds different data (``secret`` as written); no I/O."""
        if annotation_of(raw) is None:
            return
        uid = str((secret.get("metadata") or {}).get("uid") or "")
        self._pending[key] = _Pending(value=data_hmac(secret.get("data") or {}, secret_uid=uid))
        self._limiter.prune()

    def forget(self, key: ObjectKey) -> None:
        self._pending.pop(key, None)

    async def run(self, key: ObjectKey, raw: Mapping[str, Any]) -> float | None:
        """Roll what is pending for ``key`` and may roll now; seconds until more is due."""
        pending = self._pending.get(key)
        if pending is None:
            return None
        value = annotation_of(raw)
        if value is None or not self._enabled:
            del self._pending[key]
            if value is not None:
                self._event(raw, "Warning", m.EVENT_REASON_ROLLOUT_DISABLED, m.EVENT_MSG_DISABLED)
            return None
        targets = parse_targets(value)
        if not pending.reported:
            pending.reported = True
            for problem in targets.problems:
                message = m.EVENT_MSG_BAD_ENTRY.format(entry=problem.entry, detail=problem.detail)
                log.warning("rollout_target_invalid", entry=problem.entry, error=problem.detail)
                self._event(raw, "Warning", m.EVENT_REASON_ROLLOUT_FAILED, message)
        waits = [await self._roll(key, raw, pending, w) for w in targets.workloads]
        waits = [w for w in waits if w > 0]
        if not waits:
            del self._pending[key]
            return None
        return min(waits)

    async def _roll(
        self, key: ObjectKey, raw: Mapping[str, Any], pending: _Pending, workload: Workload
    ) -> float:
        """Roll one workload unless done or limited; seconds until it should be tried again."""
        if workload in pending.done:
            return 0.0
        namespace, es_name = split_key(key)
        limit_key = (namespace, workload)
        wait = self._limiter.acquire(limit_key)
        if wait > 0:
            self._metrics.counted("deferred")
            log.info("rollout_deferred", workload=str(workload), seconds=round(wait, 3))
            return wait
        try:
            await self._patch(workload, namespace=namespace or "", es_name=es_name, pending=pending)
        except KubeError as e:
            self._limiter.release(limit_key)
            return self._patch_failed(raw, pending, workload, e)
        pending.done.add(workload)
        self._metrics.counted("rolled")
        log.info("rollout_triggered", workload=str(workload))
        message = m.EVENT_MSG_ROLLOUT.format(workload=workload)
        self._event(raw, "Normal", m.EVENT_REASON_ROLLOUT, message)
        return 0.0

    async def _patch(
        self, workload: Workload, *, namespace: str, es_name: str, pending: _Pending
    ) -> None:
        annotations = {annotation_key(es_name): pending.value}
        body = {"spec": {"template": {"metadata": {"annotations": annotations}}}}
        await self._client.patch(
            workload.resource, name=workload.name, namespace=namespace, body=body
        )

    def _patch_failed(
        self, raw: Mapping[str, Any], pending: _Pending, workload: Workload, error: KubeError
    ) -> float:
        """Report a failed patch; permanent failures wait for the next change."""
        self._metrics.counted("failed")
        permanent = _permanent(error)
        if permanent is None:
            log.warning("rollout_retrying", workload=str(workload), error=str(error))
            return RETRY_AFTER
        pending.done.add(workload)
        log.warning("rollout_failed", workload=str(workload), error=permanent)
        message = m.EVENT_MSG_FAILED.format(workload=workload, detail=permanent)
        self._event(raw, "Warning", m.EVENT_REASON_ROLLOUT_FAILED, message)
        return 0.0

    def _event(self, raw: Mapping[str, Any], type_: EventType, reason: str, message: str) -> None:
        self._recorder.record(dict(raw), type_=type_, reason=reason, message=message)


def _permanent(error: KubeError) -> str | None:
    """What to tell the user about a failure that retrying will not fix (None: transient)."""
    if isinstance(error, NotFound):
        return m.ERR_NOT_FOUND
    if isinstance(error, Forbidden):
        return m.ERR_FORBIDDEN
    if isinstance(error, (Invalid, BadRequest)):
        # The API server's words about our own patch body, which holds no Secret value.
        return m.ERR_API_REFUSED.format(detail=error.message or error.reason)
    return None
