"""The ExternalSecret reconciler: provider values → the target Secret, and an honest status.

A reconcile reads as ESO's (``externalsecret_controller.go``), as named steps:

1. refuse what eso does not implement (a clear condition, never a silent skip);
2. resolve the stores (main and per-entry ``sourceRef.storeRef``) from the informer cache;
   skip stores of another controller class (``storeaccess``);
3. if no refresh is due and the Secret is intact, only requeue (no provider call, no GET);
4. check the store exists, may be used from this namespace and is Ready - fail fast
   otherwise, before any provider call; a store never validated yet is waited for
   silently (``storeaccess.awaiting_validation``);
5. fetch every value concurrently (``fetch.read_store``), generators included
   (``generators``: one GET of the generator object, then fresh values); any failed or
   missing item fails the sync and leaves the existing Secret untouched (ESO reports partial
   syncs as synced; we do not), except deletionPolicy Delete with everything gone, which
   deletes the Secret as ESO does;
6. render ``spec.target.template`` over the values and the template sources
   (``templating``, ``templatesources``): a failure is ESO's condition, the Secret untouched;
7. write the Secret per creationPolicy, only when something changed (``writer``);
8. write status (subresource) only when it changed (``statuswriter``); metrics and events as
   ESO;
9. roll the workloads the ``eso.io/rollout-on-change`` annotation names if step 7 changed the
   Secret's data (``controllers/rollout``); a deferred rollout shortens the requeue.

A spec change (or a force-sync annotation) reads fresh provider values; a first sync and
periodic refreshes accept provider-cached values no older than the refresh interval
(``_max_age``). A template source edited since the last render is a reason to sync, like a
due refresh (``_sources_moved``).

Failures that may heal (provider unavailable, store not Ready, API errors) raise
``SyncError`` after status is written, so the worker loop retries with backoff; configuration
errors return and wait for the next spec change or refresh; permanent provider failures (not
found, denied) return and retry on a fixed schedule (``errors.provider_failure``). ESO's
finalizer, left by a migration, is honoured and removed (``finalizer``).
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.duration import DurationError
from eso.api.models import ExternalSecret
from eso.api.models import unimplemented_features as unimplemented
from eso.clock import Clock, SystemClock
from eso.controllers.externalsecret import finalizer
from eso.controllers.externalsecret import status as st
from eso.controllers.externalsecret.desired import Target, recorded_sources
from eso.controllers.externalsecret.errors import (
    StoreUnavailableError,
    SyncError,
    SyncFailedError,
    SyncReportedError,
    get_data_failed,
    template_failed,
)
from eso.controllers.externalsecret.fetch import Generate, ReadPolicy, read_store
from eso.controllers.externalsecret.generators import GeneratorReader
from eso.controllers.externalsecret.ownwrites import OwnSecretVersions
from eso.controllers.externalsecret.statuswriter import StatusWriter
from eso.controllers.externalsecret.storeaccess import (
    VALIDATION_WAIT_SECONDS,
    Stores,
    awaiting_validation,
    check_store_usable,
    lookup_stores,
)
from eso.controllers.externalsecret.templatesources import TemplateSourceReader
from eso.controllers.externalsecret.templating import Engine, RenderError, render
from eso.controllers.externalsecret.versions import synced_resource_version
from eso.controllers.externalsecret.writer import SecretWriter
from eso.controllers.rollout.rollouts import Rollouts
from eso.controllers.runtime.worker import Result
from eso.controllers.secretstore.access import ProviderAccess
from eso.generators.registry import GeneratorRegistry
from eso.kube.cache import Cache
from eso.kube.errors import KubeError
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey, make_key, split_key
from eso.logging import bound
from eso.metrics import ExternalSecretMetrics
from eso.settings import ControllerSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ExternalSecretCaches:
    """The informer caches the ExternalSecret reconciler reads (never writes)."""

    external_secrets: Cache
    secret_stores: Cache
    cluster_secret_stores: Cache
    managed_secrets: Cache


@dataclass(frozen=True)
class _Sync:
    """One reconcile's inputs, computed once: the object, its status and its schedule."""

    key: ObjectKey
    raw: Mapping[str, Any]
    es: ExternalSecret
    status: dict[str, Any]
    interval: float
    version: str


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


def target_of(es: ExternalSecret) -> Target:
    """What ``es`` wants of its Secret."""
    return Target(
        es_name=es.name,
        es_uid=es.metadata.uid,
        namespace=es.namespace,
        secret_name=es.target_name,
        creation_policy=es.spec.target.creation_policy,
        immutable=es.spec.target.immutable,
    )


class ExternalSecretReconciler:
    """Reconciles ExternalSecrets by key.

    ``versions`` (``OwnSecretVersions``), ``statuses`` (``StatusWriter``) and ``templates``
    (``TemplateSourceReader``) are shared with the manager's event handlers, which only query
    or prune them (see their contracts).
    """

    def __init__(
        self,
        *,
        caches: ExternalSecretCaches,
        access: ProviderAccess,
        versions: OwnSecretVersions,
        statuses: StatusWriter,
        templates: TemplateSourceReader,
        recorder: EventRecorder,
        metrics: ExternalSecretMetrics,
        settings: ControllerSettings,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
        rollouts: Rollouts | None = None,
        generators: GeneratorRegistry | None = None,
    ) -> None:
        self._caches = caches
        self._rollouts = rollouts
        self._generators = (
            None if generators is None else GeneratorReader(access=access, registry=generators)
        )
        self._templates = templates
        # The process's shared function map, built at the first template (not at start).
        self._engine = Engine(
            left=settings.template_left_delimiter,
            right=settings.template_right_delimiter,
        )
        self._access = access
        self._statuses = statuses
        self._recorder = recorder
        self._metrics = metrics
        self._settings = settings
        self._clock = clock or SystemClock()
        self._rand = rand
        self._writer = SecretWriter(
            client=access.client,
            managed_secrets=caches.managed_secrets,
            versions=versions,
            recorder=recorder,
            on_data_change=rollouts.data_changed if rollouts is not None else None,
        )

    # ------------------------------------------------------------------ entry point

    async def reconcile(self, key: ObjectKey) -> Result:
        """Sync one ExternalSecret; idempotent; raises SyncError to be retried."""
        namespace, name = split_key(key)
        raw = self._caches.external_secrets.get(key)
        if raw is None:
            self._forget(key, namespace or "", name)
            return Result()
        if (raw.get("metadata") or {}).get("deletionTimestamp"):
            await self._finalize(raw)
            return Result()
        with bound(kind=c.KIND_EXTERNAL_SECRET, namespace=namespace or "", name=name):
            return await self._timed(key, raw, namespace=namespace or "", name=name)

    async def _timed(
        self, key: ObjectKey, raw: Mapping[str, Any], *, namespace: str, name: str
    ) -> Result:
        start, ok = self._clock.now(), False
        try:
            result = await self._reconcile(key, raw)
            ok = True
            return result
        finally:
            seconds = self._clock.now() - start
            self._metrics.reconciled(namespace=namespace, name=name, seconds=seconds, ok=ok)

    async def _finalize(self, raw: Mapping[str, Any]) -> None:
        if finalizer.has_eso_finalizer(raw):
            es = ExternalSecret.model_validate(raw)
            await finalizer.release(
                raw, target=target_of(es), client=self._access.client, writer=self._writer
            )

    def _forget(self, key: ObjectKey, namespace: str, name: str) -> None:
        self._metrics.forget(namespace=namespace, name=name)
        self._writer.forget(key)
        self._statuses.forget(key)
        if self._rollouts is not None:
            self._rollouts.forget(key)

    async def _reconcile(self, key: ObjectKey, raw: Mapping[str, Any]) -> Result:
        es = ExternalSecret.model_validate(raw)
        status = self._statuses.current(key, raw)
        try:
            _refuse_unimplemented(es)
            sync = _Sync(
                key=key,
                raw=raw,
                es=es,
                status=status,
                interval=_interval(es),
                version=synced_resource_version(raw.get("metadata") or {}),
            )
            result = await self._sync(sync)
        except SyncFailedError as failed:
            await self._mark_failed(key, raw, es, status, failed)
            if failed.retry:
                # _mark_failed logged it (sync_failed): the worker only retries.
                raise SyncReportedError(failed.message) from None
            result = Result(requeue_after=failed.requeue_after)
        return await self._roll_out(key, raw, result)

    async def _roll_out(self, key: ObjectKey, raw: Mapping[str, Any], result: Result) -> Result:
        """Step 9: pending rollouts; a deferred one brings the requeue forward."""
        if self._rollouts is None:
            return result
        due = await self._rollouts.run(key, raw)
        if due is None or (result.requeue_after is not None and result.requeue_after <= due):
            return result
        return Result(requeue_after=due)

    # ------------------------------------------------------------------ the sync

    async def _sync(self, sync: _Sync) -> Result:
        try:
            stores = self._lookup_stores(sync.es)
        except StoreUnavailableError as missing:
            if not await self._due_or_broken(sync):
                return self._requeue(sync.status, sync)
            raise get_data_failed(str(missing)) from None
        if stores is None:
            return Result()
        if not await self._due_or_broken(sync):
            return self._requeue(sync.status, sync)
        if pending := awaiting_validation(stores):
            log.debug("store_not_validated_yet", stores=[s.name for s in pending])
            return Result(requeue_after=VALIDATION_WAIT_SECONDS)
        if stores.main is not None:
            await check_store_usable(sync.es, stores.main, client=self._access.client)
        data = await self._read(sync, stores)
        new = await self._apply(sync, data)
        await self._statuses.write(sync.key, sync.raw, old=sync.status, new=new)
        self._metrics.ready(namespace=sync.es.namespace, name=sync.es.name, status=c.STATUS_TRUE)
        return self._requeue(new, sync)

    def _lookup_stores(self, es: ExternalSecret) -> Stores | None:
        return lookup_stores(
            es,
            secret_stores=self._caches.secret_stores,
            cluster_secret_stores=self._caches.cluster_secret_stores,
            settings=self._settings,
        )

    async def _due_or_broken(self, sync: _Sync) -> bool:
        """Whether a refresh is due, or the Secret is no longer what we wrote."""
        due = st.should_refresh(
            status=sync.status,
            refresh_interval=sync.interval,
            refresh_policy=sync.es.spec.refresh_policy,
            current_version=sync.version,
            now=self._clock.wall(),
        )
        if due or self._sources_moved(sync):
            return True
        return not await self._writer.intact(sync.key, target_of(sync.es))

    def _sources_moved(self, sync: _Sync) -> bool:
        """Whether a template source changed since the Secret was rendered (no I/O)."""
        template = sync.es.spec.target.template
        if template is None or not any(t.config_map or t.secret for t in template.template_from):
            return False
        target = target_of(sync.es)
        cached = self._caches.managed_secrets.get(make_key(target.namespace, target.secret_name))
        if cached is None:
            return False  # not written yet, or not ours: intact() decides
        return recorded_sources(cached.get("metadata") or {}) != self._templates.versions(sync.es)

    async def _read(self, sync: _Sync, stores: Stores) -> dict[str, bytes] | None:
        policy = ReadPolicy(
            max_age=_max_age(sync.status, sync.version, sync.interval),
            interval=sync.interval,
            slow=self._settings.store_requeue_interval,
        )
        return await read_store(
            sync.es,
            stores,
            access=self._access,
            recorder=self._recorder,
            policy=policy,
            generate=self._generate_in(sync.es.namespace),
        )

    def _generate_in(self, namespace: str) -> Generate | None:
        reader = self._generators
        if reader is None:
            return None
        return functools.partial(reader.generate, namespace=namespace)

    async def _apply(self, sync: _Sync, data: dict[str, bytes] | None) -> dict[str, Any]:
        """Write (or delete) the Secret; returns the status that records it."""
        es, target = sync.es, target_of(sync.es)
        binding: str | None = None
        if data is None:
            await self._writer.delete(sync.key, sync.raw, target)
            reason, message = c.REASON_SECRET_DELETED, c.MSG_DELETED
        elif not data and es.spec.target.deletion_policy == "Retain":
            reason, message = c.REASON_SECRET_SYNCED, c.MSG_SYNCED_RETAIN
        else:
            target, data = await self._render(sync, target, data)
            binding = await self._writer.write(sync.key, sync.raw, target, data, sync.interval)
            reason, message = c.REASON_SECRET_SYNCED, c.MSG_SYNCED
        return st.es_synced(
            sync.status,
            reason=reason,
            message=message,
            now=self._clock.wall(),
            synced_resource_version=sync.version,
            binding=binding,
        )

    async def _render(
        self, sync: _Sync, target: Target, data: dict[str, bytes]
    ) -> tuple[Target, dict[str, bytes]]:
        """The template's data and shape (ESO's ``ApplyTemplate``); unchanged without one."""
        template = sync.es.spec.target.template
        if template is None or target.creation_policy == "None":
            return target, data
        sources = await self._templates.read(sync.es)
        try:
            rendered = render(template, data=data, sources=sources, engine=self._engine)
        except RenderError as e:
            raise template_failed(
                str(e), interval=sync.interval, slow=self._settings.store_requeue_interval
            ) from None
        return dataclasses.replace(target, shape=rendered.shape), rendered.data

    def _requeue(self, status: Mapping[str, Any], sync: _Sync) -> Result:
        after = st.requeue_after(
            status=status,
            refresh_interval=sync.interval,
            refresh_policy=sync.es.spec.refresh_policy,
            now=self._clock.wall(),
            jitter=self._settings.refresh_jitter,
            rand=self._rand,
        )
        # An overdue refresh (0 s) must still be a delayed requeue, not a rate-limited one.
        return Result(requeue_after=None if after is None else max(after, 0.001))

    # ------------------------------------------------------------------ failures

    async def _mark_failed(
        self,
        key: ObjectKey,
        raw: Mapping[str, Any],
        es: ExternalSecret,
        status: dict[str, Any],
        failed: SyncFailedError,
    ) -> None:
        """ESO's ``markAsFailed``: Warning event, Ready False, error counter."""
        self._recorder.record(
            dict(raw), type_="Warning", reason=c.EVENT_REASON_UPDATE_FAILED, message=failed.message
        )
        self._metrics.sync_error(namespace=es.namespace, name=es.name)
        log.warning("sync_failed", reason=failed.reason, error=failed.message)
        new = st.es_failed(
            status, reason=failed.reason, message=failed.message, now=self._clock.wall()
        )
        self._metrics.ready(namespace=es.namespace, name=es.name, status=c.STATUS_FALSE)
        try:
            await self._statuses.write(key, raw, old=status, new=new)
        except KubeError as e:
            # A second failure the sync_failed line does not cover: the worker logs it.
            raise SyncError(f"{failed.message}; status not written: {e}") from e


def _refuse_unimplemented(es: ExternalSecret) -> None:
    features = unimplemented(es)
    if features:
        message = c.MSG_NOT_IMPLEMENTED.format(features=", ".join(features))
        raise SyncFailedError(message, retry=False)


def _interval(es: ExternalSecret) -> float:
    try:
        return es.spec.refresh_interval_seconds()
    except DurationError as e:
        raise SyncFailedError(f"invalid refreshInterval: {e}", retry=False) from e
