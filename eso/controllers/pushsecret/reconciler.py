"""The PushSecret reconciler: ESO's ``pushsecret_controller`` as a sequence of named steps.

1. Gone from the cache: forget its series. Being deleted: with ``deletionPolicy: Delete`` and
   ESO's finalizer, delete every remote secret recorded in ``syncedPushSecrets`` (the provider
   only deletes the ones eso manages), then release the finalizer; a failure keeps it, says
   why in the status and an event, and retries.
2. The finalizer is added for ``Delete`` and removed for ``None``.
3. Nothing to do until a refresh is due (ESO's ``shouldRefresh``: spec, labels or annotations
   changed, or ``refreshInterval`` passed since ``refreshTime``; ``0`` pushes once).
4. Unimplemented fields, the source Secrets (or the generator's fresh values), the stores,
   the template, then every entry to every store, then (``Delete``) the remote secrets no
   longer pushed.
5. The status (one patch), an event when the outcome changed, the condition gauge.

A failure that may heal (AWS throttling, a missing source key, a store not yet Ready) is
retried with backoff (a store never validated yet is waited for silently:
``stores.awaiting_validation``); one only an edit or the remote's owner can fix (a remote
secret eso does not manage, bad metadata, an unimplemented field, a read-only store) is
reported once and checked again at the next refresh, so a bad PushSecret is never a hot loop.
Nothing is pushed to a remote eso does not own, and a failed push changes nothing remote
(``SecretsWriter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from eso.api import pushconditions as pc
from eso.api.duration import DurationError
from eso.api.features import unimplemented_features
from eso.api.meta import parse_time
from eso.api.pushsecret import PushSecret
from eso.api.secretstore import AnyStore
from eso.clock import Clock, SystemClock
from eso.controllers.externalsecret.generators import GeneratorReader
from eso.controllers.externalsecret.templatesources import TemplateSourceReader
from eso.controllers.externalsecret.templating import Engine
from eso.controllers.externalsecret.versions import synced_resource_version
from eso.controllers.pushsecret.datato import validate_selectors, validate_store_refs
from eso.controllers.pushsecret.errors import PushFailedError, SourceMissingError
from eso.controllers.pushsecret.finalizer import has_finalizer, set_finalizer
from eso.controllers.pushsecret.push import Pusher, PushError, SyncedMap, merge_synced
from eso.controllers.pushsecret.source import Source, Templater, read_sources
from eso.controllers.pushsecret.status import done_status, status_patch, synced_json, with_ready
from eso.controllers.pushsecret.stores import (
    VALIDATION_WAIT_SECONDS,
    awaiting_validation,
    parse_store,
    resolve_stores,
)
from eso.controllers.runtime.conditions import get_condition
from eso.controllers.runtime.worker import HandledError, Result
from eso.controllers.secretstore.access import ProviderAccess
from eso.generators.registry import GeneratorRegistry
from eso.kube.cache import Cache, Obj
from eso.kube.errors import NotFound
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey, make_key, split_key
from eso.kube.resources import PUSH_SECRETS
from eso.logging import bound
from eso.metrics import PushSecretMetrics
from eso.settings import ControllerSettings

log = structlog.get_logger(__name__)

REFRESH_SLACK = 5.0  # ESO requeues 5 s after the refresh falls due


@dataclass(frozen=True, slots=True)
class PushSecretCaches:
    """The informer caches a PushSecret reconcile reads."""

    push_secrets: Cache
    secret_stores: Cache
    cluster_secret_stores: Cache


class PushFailedRetryError(HandledError):
    """A push failed and was reported (status, event); the worker retries with backoff."""


class PushSecretReconciler:
    """Reconciles PushSecrets by key (``namespace/name``); idempotent."""

    def __init__(
        self,
        *,
        caches: PushSecretCaches,
        access: ProviderAccess,
        templates: TemplateSourceReader,
        recorder: EventRecorder,
        metrics: PushSecretMetrics,
        settings: ControllerSettings,
        clock: Clock | None = None,
        generators: GeneratorRegistry | None = None,
    ) -> None:
        self._caches = caches
        self._access = access
        self._recorder = recorder
        self._metrics = metrics
        self._settings = settings
        self._clock = clock or SystemClock()
        engine = Engine(
            left=settings.template_left_delimiter, right=settings.template_right_delimiter
        )
        self._templater = Templater(engine=engine, sources=templates)
        self._generators = (
            None if generators is None else GeneratorReader(access=access, registry=generators)
        )

    async def reconcile(self, key: ObjectKey) -> Result:
        """Bring one PushSecret's remote secrets and status in line."""
        ns, name = split_key(key)
        namespace = ns or ""
        raw = self._caches.push_secrets.get(key)
        if raw is None:
            self._metrics.forget(namespace=namespace, name=name)
            return Result()
        with bound(kind=pc.KIND_PUSH_SECRET, namespace=namespace, name=name):
            start, ok = self._clock.now(), False
            try:
                result = await self._reconcile(raw)
                ok = True
                return result
            finally:
                seconds = self._clock.now() - start
                self._metrics.reconciled(namespace=namespace, name=name, seconds=seconds, ok=ok)

    async def _reconcile(self, raw: Obj) -> Result:
        ps = PushSecret.model_validate(raw)
        if ps.metadata.deletion_timestamp:
            await self._finalize(raw, ps)
            return Result()
        wants = ps.spec.deletion_policy == "Delete"
        if wants != has_finalizer(raw):
            written = await set_finalizer(self._access.client, raw, present=wants)
            if written is None:
                return Result()
            raw = written
        try:
            refresh = ps.spec.refresh_seconds()
        except DurationError as e:
            error = pc.ERR_REFRESH_INTERVAL.format(value=ps.spec.refresh_interval, error=e)
            return await self._failed(raw, ps, PushError(PushFailedError(error, retry=False)))
        wait = self._until_refresh(ps, raw, refresh)
        if wait is not None:
            return Result(requeue_after=wait or None)
        return await self._refresh(raw, ps, refresh)

    def _until_refresh(self, ps: PushSecret, raw: Obj, refresh: float) -> float | None:
        """None when a push is due; else seconds until it is (0: never again)."""
        status = ps.status
        if status.synced_resource_version != synced_resource_version(raw.get("metadata") or {}):
            return None
        if refresh == 0:
            return 0.0
        if not status.refresh_time:
            return None
        since = self._now().timestamp() - parse_time(status.refresh_time).timestamp()
        if since > refresh:
            return None
        return refresh - since + REFRESH_SLACK

    async def _refresh(self, raw: Obj, ps: PushSecret, refresh: float) -> Result:
        started = self._now()
        pusher = Pusher(ps, access=self._access, recorder=self._recorder)
        try:
            synced = await self._sync(ps, pusher)
        except PushError as e:
            return await self._failed(raw, ps, e, refresh=refresh)
        except _AwaitingValidationError as e:
            log.debug("push_awaits_store_validation", stores=e.stores)
            return Result(requeue_after=VALIDATION_WAIT_SECONDS)
        finally:
            await pusher.close()
        if synced is None:  # no store of ours: ESO leaves the PushSecret alone
            return Result(requeue_after=refresh or None)
        status = done_status(ps, raw, synced=synced, started=started, now=self._now())
        await self._write(raw, ps, status)
        return Result(requeue_after=refresh or None)

    async def _sync(self, ps: PushSecret, pusher: Pusher) -> SyncedMap | None:
        """Push everything; None when no store is ours. Raises ``PushError``."""
        missing = unimplemented_features(ps)
        if missing:
            detail = pc.ERR_NOT_IMPLEMENTED.format(features=", ".join(missing))
            raise PushError(PushFailedError(detail, retry=False))
        try:
            validate_store_refs(ps)
            stores = self._stores(ps)
            waiting = awaiting_validation(stores)
            if waiting:  # before any read: nothing is pushed, reported or fetched yet
                raise _AwaitingValidationError([f"{s.kind}/{s.name}" for s in waiting])
            sources = await read_sources(
                ps, client=self._access.client, generators=self._generators
            )
            if stores:
                validate_selectors(ps, stores)
        except SourceMissingError as e:
            if await self._source_gone(ps, pusher):
                raise PushError(_SourceDeletedError()) from None
            raise PushError(e) from None
        except PushFailedError as e:
            raise PushError(e) from None
        if not stores:
            return None
        synced: SyncedMap = {}
        for source in sources:
            synced = merge_synced(synced, await self._push_one(ps, pusher, source, stores))
        return synced

    def _stores(self, ps: PushSecret) -> list[AnyStore]:
        return resolve_stores(
            ps,
            secret_stores=self._caches.secret_stores,
            cluster_secret_stores=self._caches.cluster_secret_stores,
            settings=self._settings,
        )

    async def _push_one(
        self, ps: PushSecret, pusher: Pusher, source: Source, stores: list[AnyStore]
    ) -> SyncedMap:
        try:
            templated = await self._templater.apply(ps, source)
        except PushFailedError as e:
            raise PushError(e) from None
        try:
            synced = await pusher.push(templated, stores)
        except PushError as e:
            message = pc.ERR_SET_SECRET_FAILED.format(error=e.failure)
            failure = PushFailedError(message, retry=e.failure.retry)
            merged = merge_synced(e.synced or {}, ps.status.synced_push_secrets)
            raise PushError(failure, merged) from None
        if ps.spec.deletion_policy != "Delete":
            return synced
        return await self._delete_stale(ps, pusher, synced, message=pc.ERR_DELETE_FAILED)

    async def _delete_stale(
        self, ps: PushSecret, pusher: Pusher, keep: SyncedMap, *, message: str
    ) -> SyncedMap:
        try:
            return await pusher.delete_stale(keep, stores=self._recorded_stores(ps))
        except PushError as e:
            failure = PushFailedError(message.format(error=e.failure), retry=e.failure.retry)
            raise PushError(failure, e.synced) from None

    def _recorded_stores(self, ps: PushSecret) -> dict[str, AnyStore | None]:
        """The stores named in ``syncedPushSecrets`` (None: not found, or not ours)."""
        found: dict[str, AnyStore | None] = {}
        for key in ps.status.synced_push_secrets:
            kind, _, name = key.partition("/")
            cluster = kind == "ClusterSecretStore"
            cache = self._caches.cluster_secret_stores if cluster else self._caches.secret_stores
            raw = cache.get(name if cluster else make_key(ps.namespace, name))
            found[key] = None if raw is None else parse_store(raw, kind)
        return found

    async def _source_gone(self, ps: PushSecret, pusher: Pusher) -> bool:
        """ESO's ``handleSourceSecretDeleted``: with Delete, clean up; True when it did."""
        by_name = ps.spec.selector.secret is not None and bool(ps.spec.selector.secret.name)
        if not (by_name and ps.spec.deletion_policy == "Delete" and ps.status.synced_push_secrets):
            return False
        await self._delete_stale(ps, pusher, {}, message=pc.ERR_CLEANUP_FAILED)
        return True

    async def _finalize(self, raw: Obj, ps: PushSecret) -> None:
        """A deleted PushSecret: clean up (Delete) and release the finalizer."""
        if not has_finalizer(raw):
            return
        if ps.spec.deletion_policy == "Delete":
            pusher = Pusher(ps, access=self._access, recorder=self._recorder)
            try:
                await self._delete_stale(ps, pusher, {}, message=pc.ERR_DELETE_FAILED)
            except PushError as e:
                # ESO keeps the finalizer and retries whatever failed: a store fixed later
                # must still get its secrets deleted (deletionPolicy None lets go instead).
                failure = PushFailedError(str(e.failure), retry=True)
                await self._failed(raw, ps, PushError(failure, e.synced))
            finally:
                await pusher.close()
        await set_finalizer(self._access.client, raw, present=False)

    async def _failed(
        self, raw: Obj, ps: PushSecret, e: PushError, *, refresh: float | None = None
    ) -> Result:
        """ESO's ``markAsFailed``: Errored, the map so far, a Warning event; then retry."""
        if isinstance(e.failure, _SourceDeletedError):
            return await self._source_deleted(raw, ps)
        message = str(e.failure)
        status = with_ready(
            raw, status="False", reason=pc.REASON_ERRORED, message=message, now=self._now()
        )
        if e.synced is not None:
            status["syncedPushSecrets"] = synced_json(e.synced)
        await self._write(raw, ps, status)
        log.warning("push_failed", retry=e.failure.retry)
        if e.failure.retry:
            raise PushFailedRetryError(message)
        return Result(requeue_after=refresh or None)

    async def _source_deleted(self, raw: Obj, ps: PushSecret) -> Result:
        status = with_ready(
            raw,
            status="False",
            reason=pc.REASON_SOURCE_DELETED,
            message=pc.MSG_SOURCE_DELETED,
            now=self._now(),
        )
        status["syncedPushSecrets"] = {}
        await self._write(raw, ps, status)
        return Result()

    async def _write(self, raw: Obj, ps: PushSecret, status: dict[str, Any]) -> None:
        """Patch the status; an event and the gauge follow the new Ready condition."""
        ready = get_condition(status.get("conditions"), "Ready")
        assert ready is not None
        self._metrics.ready(namespace=ps.namespace, name=ps.name, status=ready["status"])
        before = get_condition((raw.get("status") or {}).get("conditions"), "Ready")
        try:
            await self._access.client.patch(
                PUSH_SECRETS,
                name=ps.name,
                namespace=ps.namespace,
                body=status_patch(status),
                patch_type="json",
                subresource="status",
            )
        except NotFound:
            return
        failed = ready["status"] != "True"
        if failed or before is None or before.get("message") != ready.get("message"):
            self._recorder.record(
                raw,
                type_="Warning" if ready["reason"] == pc.REASON_ERRORED else "Normal",
                reason=ready["reason"],
                message=ready["message"],
            )

    def _now(self) -> datetime:
        return self._clock.wall()


class _SourceDeletedError(PushFailedError):
    """The source is gone and its remote secrets were cleaned up (not a failure)."""

    def __init__(self) -> None:
        super().__init__(pc.MSG_SOURCE_DELETED, retry=False)


class _AwaitingValidationError(Exception):
    """A store to push to has no Ready condition yet: wait for it, report nothing."""

    def __init__(self, stores: list[str]) -> None:
        super().__init__(", ".join(stores))
        self.stores = stores
