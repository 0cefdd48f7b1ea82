"""The ExternalSecret reconciler: provider values → the target Secret, and an honest status.

A reconcile reads as ESO's (``externalsecret_controller.go``), as named steps:

1. refuse what eso does not implement (a clear condition, never a silent skip);
2. resolve the store from the informer cache; skip stores of another controller class
   (``storeaccess``);
3. if no refresh is due and the Secret is intact, only requeue (no provider call, no GET);
4. check the store exists, may be used from this namespace and is Ready - fail fast
   otherwise, before any provider call;
5. fetch every value concurrently; any failed or missing item fails the sync and leaves the
   existing Secret untouched (ESO reports partial syncs as synced; we do not), except
   deletionPolicy Delete with everything gone, which deletes the Secret as ESO does;
6. write the Secret per creationPolicy, only when something changed;
7. write status (subresource) only when it changed; metrics and events as ESO.

Reads come from informer caches; the managed Secret is checked and written by
``target.TargetSecrets``, which avoids GETs unless someone else changed the Secret. A spec
change (or a force-sync annotation) reads fresh provider values; a first sync and periodic
refreshes accept provider-cached values no older than the refresh interval (``_max_age``).

Failures that may heal (provider unavailable, store not Ready, API errors) raise
``SyncError`` after status is written, so the worker loop retries with backoff; configuration
errors return and wait for the next spec change or refresh; permanent provider failures (not
found, denied) return and retry on a fixed schedule (``storeaccess.provider_failure``). eso
adds no finalizer (Owner Secrets are garbage-collected by the control plane); ESO's finalizer,
left by a migration, is honoured and removed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.duration import DurationError
from eso.api.models import AnyStore, ExternalSecret
from eso.api.models import unimplemented_features as unimplemented
from eso.clock import Clock, SystemClock
from eso.controllers import objmetrics
from eso.controllers import status as st
from eso.controllers.fetch import fetch_all
from eso.controllers.secretdata import (
    Target,
    synced_resource_version,
)
from eso.controllers.storeaccess import (
    check_store_usable,
    get_data_failed,
    lookup_store,
    provider_failure,
)
from eso.controllers.stores import CredentialReader, event_target
from eso.controllers.target import SyncError, SyncFailedError, SyncReportedError, TargetSecrets
from eso.controllers.worker import Result
from eso.kube.cache import Cache, resource_version
from eso.kube.client import KubeClient
from eso.kube.errors import KubeError
from eso.kube.events import EventRecorder, EventType
from eso.kube.resources import EXTERNAL_SECRETS, split_key
from eso.metrics import Metrics
from eso.providers.base import ProviderError, ProviderUnavailableError
from eso.providers.registry import ProviderRegistry
from eso.settings import ControllerSettings

log = structlog.get_logger(__name__)


def _max_age(status: Mapping[str, Any], version: str, interval: float) -> float | None:
    """How old a provider-cached value this sync may accept (0: a fresh read).

    A changed ExternalSecret (edited, or a force-sync annotation: it was synced at another
    version before) reads fresh values, which is what its user asks for. A new one (never
    synced) and a periodic refresh or restore accept values no older than the refresh
    interval (None when the interval is 0: the provider's cache_ttl alone). The trade-off for
    a new ExternalSecret: it may get a value up to cache_ttl old (30 s by default) that another
    reader fetched; in exchange a cold sync of thousands of ExternalSecrets reading the same
    secrets makes one AWS call per distinct secret instead of one per ExternalSecret.
    """
    synced = status.get("syncedResourceVersion")
    if synced and synced != version:
        return 0.0
    return interval if interval > 0 else None


class ExternalSecretReconciler:
    """Reconciles ExternalSecrets by ``namespace/name`` key."""

    def __init__(
        self,
        *,
        client: KubeClient,
        external_secrets: Cache,
        secret_stores: Cache,
        cluster_secret_stores: Cache,
        managed_secrets: Cache,
        registry: ProviderRegistry,
        credentials: CredentialReader,
        recorder: EventRecorder,
        metrics: Metrics,
        settings: ControllerSettings,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._es = external_secrets
        self._stores = secret_stores
        self._cluster_stores = cluster_secret_stores
        self._managed = managed_secrets
        self._registry = registry
        self._credentials = credentials
        self._recorder = recorder
        self._metrics = metrics
        self._settings = settings
        self._clock = clock or SystemClock()
        self._rand = rand
        self._targets = TargetSecrets(
            client=client, managed_secrets=managed_secrets, recorder=recorder
        )
        self._written: dict[str, tuple[str, dict[str, Any]]] = {}  # rv before → status we wrote

    # ------------------------------------------------------------------ entry points

    def is_own_write(self, es_key: str, secret: Mapping[str, Any]) -> bool:
        """Whether a managed-Secret event only reflects our own write (no reconcile needed)."""
        return self._targets.is_own_write(es_key, secret)

    async def reconcile(self, key: str) -> Result:
        """Sync one ExternalSecret; idempotent; raises SyncError to be retried."""
        namespace, name = split_key(key)
        ns = namespace or ""
        raw = self._es.get(key)
        if raw is None:
            self._forget(key, ns, name)
            return Result()
        if raw.get("metadata", {}).get("deletionTimestamp"):
            return await self._finalize(raw)
        with structlog.contextvars.bound_contextvars(
            kind="ExternalSecret", namespace=ns, name=name
        ):
            start, ok = self._clock.now(), False
            self._metrics.es.sync_call(namespace=ns, name=name)
            try:
                result = await self._reconcile(key, raw)
                ok = True
                return result
            finally:
                elapsed = self._clock.now() - start
                self._metrics.es.reconcile_duration(namespace=ns, name=name, seconds=elapsed)
                self._metrics.es_reconcile_seconds.labels("success" if ok else "error").observe(
                    elapsed
                )

    async def _finalize(self, raw: Mapping[str, Any]) -> Result:
        """An ExternalSecret being deleted with ESO's finalizer (written by ESO before a
        migration to eso): do ESO's cleanup, then release it, so deletion is never stuck.

        eso itself adds no finalizer: Owner Secrets are garbage-collected by the control plane.
        """
        meta = raw.get("metadata") or {}
        finalizers = list(meta.get("finalizers") or [])
        if c.FINALIZER_EXTERNAL_SECRET not in finalizers:
            return Result()
        es = ExternalSecret.model_validate(raw)
        try:
            if es.spec.target.deletion_policy == "Delete":
                await self._targets.delete_if_controlled(self._target(es))
            kept = [f for f in finalizers if f != c.FINALIZER_EXTERNAL_SECRET]
            body = {
                "metadata": {"finalizers": kept, "resourceVersion": meta.get("resourceVersion")}
            }
            await self._client.patch(
                EXTERNAL_SECRETS, name=es.name, namespace=es.namespace, body=body
            )
        except KubeError as e:
            raise SyncError(f"could not finalize ExternalSecret: {e}") from e
        return Result()

    def _forget(self, key: str, namespace: str, name: str) -> None:
        objmetrics.forget_es(self._metrics, namespace=namespace, name=name)
        self._targets.forget(key)
        self._written.pop(key, None)

    async def _reconcile(self, key: str, raw: Mapping[str, Any]) -> Result:
        es = ExternalSecret.model_validate(raw)
        status = self._current_status(key, raw)
        try:
            return await self._sync(key, raw, es, status)
        except SyncFailedError as failed:
            await self._mark_failed(key, raw, es, status, failed)
            if failed.retry:
                # _mark_failed logged it (sync_failed): the worker only retries.
                raise SyncReportedError(failed.message) from None
            return Result(requeue_after=failed.requeue_after)

    # ------------------------------------------------------------------ the sync

    async def _sync(
        self, key: str, raw: Mapping[str, Any], es: ExternalSecret, status: dict[str, Any]
    ) -> Result:
        features = unimplemented(es)
        if features:
            message = c.MSG_NOT_IMPLEMENTED.format(features=", ".join(features))
            raise SyncFailedError(message, retry=False)
        try:
            interval = es.spec.refresh_interval_seconds()
        except DurationError as e:
            raise SyncFailedError(f"invalid refreshInterval: {e}", retry=False) from e
        store = lookup_store(
            es,
            secret_stores=self._stores,
            cluster_secret_stores=self._cluster_stores,
            settings=self._settings,
        )
        if store is None:
            return Result()
        target = self._target(es)
        version = synced_resource_version(raw.get("metadata") or {})
        due = st.should_refresh(
            status=status,
            refresh_interval=interval,
            refresh_policy=es.spec.refresh_policy,
            current_version=version,
            now=self._clock.wall(),
        )
        if not due and await self._targets.intact(key, target):
            return self._requeue(status, es, interval)
        if isinstance(store, str):
            raise get_data_failed(store)
        await check_store_usable(es, store, client=self._client)
        max_age = _max_age(status, version, interval)
        data = await self._fetch(es, store, max_age=max_age, interval=interval)
        if data is None:
            await self._targets.delete(key, raw, target)
            reason, message, binding = c.REASON_SECRET_DELETED, c.MSG_DELETED, None
        elif not data and es.spec.target.deletion_policy == "Retain":
            reason, message, binding = c.REASON_SECRET_SYNCED, c.MSG_SYNCED_RETAIN, None
        else:
            binding = await self._targets.write(key, raw, target, data, interval)
            reason, message = c.REASON_SECRET_SYNCED, c.MSG_SYNCED
        new = st.es_synced(
            status,
            reason=reason,
            message=message,
            now=self._clock.wall(),
            synced_resource_version=version,
            binding=binding,
        )
        await self._write_status(key, raw, status, new)
        objmetrics.set_es_ready(self._metrics, namespace=es.namespace, name=es.name, status="True")
        return self._requeue(new, es, interval)

    def _requeue(self, status: Mapping[str, Any], es: ExternalSecret, interval: float) -> Result:
        after = st.requeue_after(
            status=status,
            refresh_interval=interval,
            refresh_policy=es.spec.refresh_policy,
            now=self._clock.wall(),
            jitter=self._settings.refresh_jitter,
            rand=self._rand,
        )
        # An overdue refresh (0 s) must still be a delayed requeue, not a rate-limited one.
        return Result(requeue_after=None if after is None else max(after, 0.001))

    def _target(self, es: ExternalSecret) -> Target:
        return Target(
            es_name=es.name,
            es_uid=es.metadata.uid,
            namespace=es.namespace,
            secret_name=es.target_name,
            creation_policy=es.spec.target.creation_policy,
            immutable=es.spec.target.immutable,
        )

    async def _fetch(
        self, es: ExternalSecret, store: AnyStore, *, max_age: float | None, interval: float
    ) -> dict[str, bytes] | None:
        """Every requested value; None when deletionPolicy Delete and all of them are gone."""
        where = f'{store.kind} "{store.name}"'
        slow = self._settings.store_requeue_interval
        try:
            provider = self._registry.for_store(store)
            client = await provider.new_client(
                store,
                namespace=es.namespace,
                get_secret=self._credentials.getter(store),
                on_notice=lambda notice: self._recorder.record(
                    event_target(store),
                    type_=notice.type,
                    reason=notice.reason,
                    message=notice.message,
                ),
            )
        except ProviderError as e:
            transient = isinstance(e, ProviderUnavailableError)
            raise provider_failure(
                f"{where}: {e}", transient=transient, interval=interval, slow=slow
            ) from e
        try:
            fetched = await fetch_all(es, client, max_age=max_age)
        finally:
            await client.close()
        delete = es.spec.target.deletion_policy == "Delete"
        if delete and not fetched.errors and not fetched.data:
            return None
        problems = fetched.errors + fetched.missing
        if problems:
            detail = st.join_failures(f"{where}: ", problems)
            raise provider_failure(
                detail, transient=fetched.transient, interval=interval, slow=slow
            )
        return fetched.data

    # ------------------------------------------------------------------ status

    def _current_status(self, key: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The status, including our last write if the cache has not caught up with it yet."""
        written = self._written.get(key)
        rv = str(raw.get("metadata", {}).get("resourceVersion", ""))
        if written is not None and written[0] == rv:
            return dict(written[1])
        self._written.pop(key, None)
        return dict(raw.get("status") or {})

    async def _mark_failed(
        self,
        key: str,
        raw: Mapping[str, Any],
        es: ExternalSecret,
        status: dict[str, Any],
        failed: SyncFailedError,
    ) -> None:
        """ESO's ``markAsFailed``: Warning event, Ready False, error counter."""
        self._event(raw, "Warning", c.EVENT_REASON_UPDATE_FAILED, failed.message)
        self._metrics.es.sync_error(namespace=es.namespace, name=es.name)
        log.warning("sync_failed", reason=failed.reason, error=failed.message)
        new = st.es_failed(
            status, reason=failed.reason, message=failed.message, now=self._clock.wall()
        )
        objmetrics.set_es_ready(self._metrics, namespace=es.namespace, name=es.name, status="False")
        try:
            await self._write_status(key, raw, status, new)
        except KubeError as e:
            # A second failure the sync_failed line does not cover: the worker logs it.
            raise SyncError(f"{failed.message}; status not written: {e}") from e

    async def _write_status(
        self, key: str, raw: Mapping[str, Any], old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        if new == old:
            return
        was = st.get_condition(old.get("conditions"), c.CONDITION_READY)
        now = st.get_condition(new.get("conditions"), c.CONDITION_READY)
        if now is not None and (was is None or was.get("reason") != now.get("reason")):
            log.info("status_changed", reason=now.get("reason"))
        meta = raw.get("metadata") or {}
        await self._client.patch(
            EXTERNAL_SECRETS,
            name=meta.get("name", ""),
            namespace=meta.get("namespace"),
            body={"status": new},
            subresource="status",
        )
        before = str(meta.get("resourceVersion", ""))
        if resource_version(self._es.get(key) or {}) == before:
            self._written[key] = (before, new)
        else:  # the watch already delivered our write (or a newer change): nothing to bridge
            self._written.pop(key, None)

    def observed(self, key: str, obj: Mapping[str, Any]) -> None:
        """The informer cached a new version of ``key``: our last status write, if any, is in
        it (or superseded), so stop keeping a copy (10k statuses would otherwise be held until
        each object's next refresh)."""
        written = self._written.get(key)
        if written is not None and written[0] != resource_version(obj):
            del self._written[key]

    def _event(self, raw: Mapping[str, Any], type_: EventType, reason: str, message: str) -> None:
        self._recorder.record(dict(raw), type_=type_, reason=reason, message=message)
