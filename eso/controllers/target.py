"""The managed Secret of an ExternalSecret: is it intact, write it, delete it.

Split from the reconciler because this is where the API-call economy lives. The managed-Secret
cache is metadata only, so "intact" means: the data-hash annotation says what we would write
and the Secret's (uid, resourceVersion) is one we wrote or verified ourselves. A GET happens only
when someone else changed the Secret - which is also how a hand edit is detected and repaired.
A Secret first seen after start is trusted until its refresh is due (then verified once), which
spreads start-up GETs over the refresh interval instead of issuing 10k at once.

Writes use the ESO field manager (``externalsecrets.external-secrets.io/<name>``) and optimistic
concurrency (``replace`` with the read resourceVersion); a Conflict is retried by the worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.hashing import data_hash, field_owner, owner_label_value
from eso.controllers.indexes import INDEX_OWNER
from eso.controllers.secretdata import (
    OwnershipError,
    Target,
    controller_of,
    data_matches_hash,
    decode_data,
    desired_secret,
    metadata_is_current,
    needs_write,
)
from eso.controllers.worker import HandledError
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.errors import AlreadyExists, Conflict, KubeError, NotFound
from eso.kube.events import EventRecorder, EventType
from eso.kube.resources import SECRETS

log = structlog.get_logger(__name__)

Version = tuple[str, str]  # (uid, resourceVersion) of a Secret


class SyncError(Exception):
    """A sync failed in a way that may heal; the worker retries with backoff."""


class SyncReportedError(SyncError, HandledError):
    """A SyncError whose failure was already logged and written to status and events."""


class SyncFailedError(Exception):
    """Ends a sync: the Ready condition to write, and whether to retry with backoff."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = c.REASON_SECRET_SYNCED_ERROR,
        retry: bool = True,
        requeue_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.reason, self.retry = message, reason, retry
        self.requeue_after = requeue_after


def _update_failed(error: KubeError, what: str = c.MSG_ERROR_UPDATE_SECRET) -> SyncFailedError:
    return SyncFailedError(c.MSG_ERROR_DETAIL.format(message=what, detail=str(error)))


def _check_size(desired: Mapping[str, Any], *, interval: float) -> None:
    """Refuse a Secret the API server would reject as too large (422), without a request.

    Not retried with backoff: only a change in the provider (seen on the next refresh) or in
    the spec makes it fit. Counts decoded bytes of every value, as ``ValidateSecret`` does.
    """
    size = sum(len(value) for value in decode_data(desired.get("data")).values())
    if size > c.MAX_SECRET_SIZE:
        detail = c.ERR_SECRET_TOO_LARGE.format(size=size, limit=c.MAX_SECRET_SIZE)
        raise SyncFailedError(
            c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=detail),
            retry=False,
            requeue_after=interval if interval > 0 else None,
        )


def version_of(obj: Mapping[str, Any]) -> Version:
    meta = obj.get("metadata") or {}
    return (str(meta.get("uid", "")), str(meta.get("resourceVersion", "")))


class TargetSecrets:
    """Reads and writes managed Secrets for the ExternalSecret reconciler; keys are ES keys."""

    def __init__(
        self, *, client: KubeClient, managed_secrets: Cache, recorder: EventRecorder
    ) -> None:
        self._client = client
        self._managed = managed_secrets
        self._recorder = recorder
        self._verified: dict[str, Version] = {}  # Secret versions whose data we wrote/checked
        self._trusted: dict[str, Version] = {}  # first sighting after start, until refresh

    def is_own_write(self, es_key: str, secret: Mapping[str, Any]) -> bool:
        """Whether a managed-Secret event only reflects our own write (no reconcile needed)."""
        return self._verified.get(es_key) == version_of(secret)

    def forget(self, es_key: str) -> None:
        self._verified.pop(es_key, None)
        self._trusted.pop(es_key, None)

    def _cached(self, target: Target) -> dict[str, Any] | None:
        return self._managed.get(f"{target.namespace}/{target.secret_name}")

    async def intact(self, key: str, target: Target) -> bool:
        """ESO's ``isSecretValid``, from the metadata cache; a GET only after foreign edits."""
        policy = target.creation_policy
        if policy in ("Orphan", "None"):
            return True
        cached = self._cached(target)
        if cached is None:
            return False
        version = version_of(cached)
        if version in (self._verified.get(key), self._trusted.get(key)):
            return True
        if key not in self._trusted and key not in self._verified:
            self._trusted[key] = version
            return True
        secret = await self._get_secret(target)
        if secret is None or not data_matches_hash(secret):
            return False
        self._verified[key] = version_of(secret)
        return True

    async def _get_secret(self, target: Target) -> dict[str, Any] | None:
        try:
            return await self._client.get(
                SECRETS, name=target.secret_name, namespace=target.namespace
            )
        except NotFound:
            return None
        except KubeError as e:
            message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=str(e))
            raise SyncFailedError(message) from e

    async def write(
        self,
        key: str,
        raw: Mapping[str, Any],
        target: Target,
        data: Mapping[str, bytes],
        interval: float,
    ) -> str | None:
        """Create or update the Secret per creationPolicy; returns the bound Secret's name."""
        policy = target.creation_policy
        if policy == "None":
            return None
        if policy == "Owner":
            await self._delete_orphans(raw, target)
        if policy != "Merge":
            cached = self._cached(target)
            if cached is None:
                # Not in the managed-Secret cache, so almost always new: create without a GET
                # first (one API request per new Secret saved, a third of a cold sync's).
                # An unmanaged Secret of that name answers 409; then read it and go on.
                with contextlib.suppress(_ExistsError):
                    await self._apply(key, raw, target, data, None, interval=interval)
                    return target.secret_name
            elif self._verified.get(key) == version_of(cached) and metadata_is_current(
                cached["metadata"], target, want_hash=data_hash(data)
            ):
                return target.secret_name
        existing = await self._get_secret(target)
        if existing is None and policy == "Merge":
            raise SyncFailedError(
                c.MSG_MISSING,
                reason=c.REASON_SECRET_MISSING,
                retry=False,
                requeue_after=interval if interval > 0 else None,
            )
        await self._apply(key, raw, target, data, existing, interval=interval)
        return target.secret_name

    async def delete_if_controlled(self, target: Target) -> None:
        """ESO's finalizer cleanup: delete the Secret if this ExternalSecret controls it.

        Raises ``KubeError``; a Secret already gone is fine.
        """
        try:
            secret = await self._client.get(
                SECRETS, name=target.secret_name, namespace=target.namespace
            )
        except NotFound:
            return
        owner = controller_of(secret)
        if owner is None or owner.get("uid") != target.es_uid:
            return
        with contextlib.suppress(NotFound):
            await self._client.delete(SECRETS, name=target.secret_name, namespace=target.namespace)

    async def _delete_orphans(self, raw: Mapping[str, Any], target: Target) -> None:
        """ESO's ``deleteOrphanedSecrets``: Secrets we created under a previous target name."""
        owner = owner_label_value(target.namespace, target.es_name)
        for secret_key in sorted(self._managed.index_keys(INDEX_OWNER, owner)):
            namespace, _, name = secret_key.partition("/")
            if namespace != target.namespace or name == target.secret_name:
                continue
            try:
                await self._client.delete(SECRETS, name=name, namespace=namespace)
            except NotFound:
                continue
            except KubeError as e:
                raise _update_failed(e, c.MSG_ERROR_DELETE_ORPHANED) from e
            self._event(raw, "Normal", c.EVENT_REASON_DELETED, c.EVENT_MSG_DELETED_ORPHANED)
            log.info("orphan_deleted", secret=name)

    async def _apply(
        self,
        key: str,
        raw: Mapping[str, Any],
        target: Target,
        data: Mapping[str, bytes],
        existing: dict[str, Any] | None,
        *,
        interval: float,
    ) -> None:
        try:
            desired = desired_secret(target, data=data, existing=existing)
        except OwnershipError as e:
            raise SyncFailedError(str(e), retry=False) from e
        _check_size(desired, interval=interval)
        manager = field_owner(target.es_name)
        try:
            if existing is None:
                written = await self._client.create(SECRETS, body=desired, field_manager=manager)
                self._event(raw, "Normal", c.EVENT_REASON_CREATED, c.EVENT_MSG_CREATED)
            elif needs_write(existing, desired):
                if existing.get("immutable"):
                    raise SyncFailedError(c.MSG_ERROR_UPDATE_IMMUTABLE, retry=False)
                written = await self._client.replace(SECRETS, body=desired, field_manager=manager)
                self._event(raw, "Normal", c.EVENT_REASON_UPDATED, c.EVENT_MSG_UPDATED)
            else:
                written = existing
        except AlreadyExists as e:
            if existing is None:
                raise _ExistsError from e
            raise SyncError(f"secret changed concurrently: {e.reason}") from e
        except Conflict as e:
            # Someone wrote the Secret since we read it (or created it first): not a failure
            # to report, just a retry with fresh state, as ESO does.
            raise SyncError(f"secret changed concurrently: {e.reason}") from e
        except KubeError as e:
            message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=str(e))
            raise SyncFailedError(message) from e
        self._verified[key] = version_of(written)
        self._trusted.pop(key, None)

    async def delete(self, key: str, raw: Mapping[str, Any], target: Target) -> None:
        """deletionPolicy Delete with no data left: delete the Secret we own (ESO)."""
        if target.creation_policy != "Owner":
            detail = c.ERR_DELETE_CREATE_POLICY.format(
                name=target.secret_name, policy=target.creation_policy
            )
            message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_DELETE_SECRET, detail=detail)
            raise SyncFailedError(message, retry=False)
        if self._cached(target) is None:
            return
        try:
            await self._client.delete(SECRETS, name=target.secret_name, namespace=target.namespace)
        except NotFound:
            return
        except KubeError as e:
            message = c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_DELETE_SECRET, detail=str(e))
            raise SyncFailedError(message) from e
        self._verified.pop(key, None)
        self._event(raw, "Normal", c.EVENT_REASON_DELETED, c.EVENT_MSG_DELETED)
        log.info("secret_deleted", secret=target.secret_name)

    def _event(self, raw: Mapping[str, Any], type_: EventType, reason: str, message: str) -> None:
        self._recorder.record(dict(raw), type_=type_, reason=reason, message=message)


class _ExistsError(Exception):
    """A create found the Secret already there: read it and update instead."""
