"""The managed Secret of an ExternalSecret: is it intact, write it, delete it.

Split from the reconciler because this is where the API-call economy lives. The managed-Secret
cache is metadata only, so "intact" means: the data-hash annotation says what we would write
and the Secret's (uid, resourceVersion) is one we wrote or verified ourselves. A GET happens only
when someone else changed the Secret - which is also how a hand edit is detected and repaired.
A Secret first seen after start is trusted until its refresh is due (then verified once), which
spreads start-up GETs over the refresh interval instead of issuing 10k at once.

A replace that changes the data-hash annotation is a data change (not a create, not a
metadata-only edit, not the repair of a hand edit back to what we wrote): the writer tells the
``on_data_change`` hook, which rollout on change (``controllers/rollout``) listens to.

Writes use the ESO field manager (``externalsecrets.external-secrets.io/<name>``) and optimistic
concurrency (``replace`` with the read resourceVersion); a Conflict is retried by the worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.hashing import data_hash, field_owner, owner_label_value
from eso.controllers.externalsecret.desired import (
    OwnershipError,
    Target,
    controller_of,
    data_matches_hash,
    desired_secret,
    metadata_is_current,
    needs_write,
)
from eso.controllers.externalsecret.errors import SyncError, SyncFailedError, update_failed
from eso.controllers.externalsecret.indexes import INDEX_OWNER
from eso.controllers.externalsecret.ownwrites import OwnSecretVersions, version_of
from eso.kube.cache import Cache
from eso.kube.client import KubeClient
from eso.kube.errors import AlreadyExists, Conflict, KubeError, NotFound
from eso.kube.events import EventRecorder, EventType
from eso.kube.keys import ObjectKey, make_key, split_key
from eso.kube.resources import SECRETS

log = structlog.get_logger(__name__)

# (ExternalSecret key, raw ExternalSecret, the Secret as written) after its data changed.
DataChangeHook = Callable[[ObjectKey, Mapping[str, Any], Mapping[str, Any]], None]


def _decoded_length(encoded: str) -> int:
    """Bytes a padded standard-base64 string decodes to."""
    return len(encoded) // 4 * 3 - encoded[-2:].count("=")


def _check_size(desired: Mapping[str, Any], *, interval: float) -> None:
    """Refuse a Secret the API server would reject as too large (422), without a request.

    Not retried with backoff: only a change in the provider (seen on the next refresh) or in
    the spec makes it fit. Counts decoded bytes of every value, as ``ValidateSecret`` does,
    from the padded base64 lengths (no second decode of data just encoded).
    """
    size = sum(_decoded_length(v) for v in (desired.get("data") or {}).values())
    if size > c.MAX_SECRET_SIZE:
        detail = c.ERR_SECRET_TOO_LARGE.format(size=size, limit=c.MAX_SECRET_SIZE)
        raise SyncFailedError(
            c.MSG_ERROR_DETAIL.format(message=c.MSG_ERROR_UPDATE_SECRET, detail=detail),
            retry=False,
            requeue_after=interval if interval > 0 else None,
        )


class SecretWriter:
    """Reads and writes managed Secrets for the ExternalSecret reconciler; keys are ES keys.

    Records every version it writes or verifies in ``versions`` (``OwnSecretVersions``), which
    the informer path queries to ignore our own writes.
    """

    def __init__(
        self,
        *,
        client: KubeClient,
        managed_secrets: Cache,
        versions: OwnSecretVersions,
        recorder: EventRecorder,
        on_data_change: DataChangeHook | None = None,
    ) -> None:
        self._client = client
        self._managed = managed_secrets
        self._versions = versions
        self._recorder = recorder
        self._on_data_change = on_data_change

    def forget(self, es_key: ObjectKey) -> None:
        self._versions.forget(es_key)

    def _cached(self, target: Target) -> dict[str, Any] | None:
        return self._managed.get(make_key(target.namespace, target.secret_name))

    async def intact(self, key: ObjectKey, target: Target) -> bool:
        """ESO's ``isSecretValid``, from the metadata cache; a GET only after foreign edits."""
        policy = target.creation_policy
        if policy in ("Orphan", "None"):
            return True
        cached = self._cached(target)
        if cached is None:
            return False
        version = version_of(cached)
        if self._versions.is_known(key, version):
            return True
        if not self._versions.seen(key):
            self._versions.trust(key, version)
            return True
        secret = await self._get_secret(target)
        if secret is None or not data_matches_hash(secret):
            return False
        self._versions.record(key, version_of(secret))
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
        key: ObjectKey,
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
            elif self._versions.is_own_write(key, cached) and metadata_is_current(
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
            namespace, name = split_key(secret_key)
            if namespace != target.namespace or name == target.secret_name:
                continue
            try:
                await self._client.delete(SECRETS, name=name, namespace=namespace)
            except NotFound:
                continue
            except KubeError as e:
                raise update_failed(e, c.MSG_ERROR_DELETE_ORPHANED) from e
            self._event(raw, "Normal", c.EVENT_REASON_DELETED, c.EVENT_MSG_DELETED_ORPHANED)
            log.info("orphan_deleted", secret=name)

    async def _apply(
        self,
        key: ObjectKey,
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
                _written(written, operation="create")
                self._event(raw, "Normal", c.EVENT_REASON_CREATED, c.EVENT_MSG_CREATED)
            elif needs_write(existing, desired):
                if existing.get("immutable"):
                    raise SyncFailedError(c.MSG_ERROR_UPDATE_IMMUTABLE, retry=False)
                written = await self._client.replace(SECRETS, body=desired, field_manager=manager)
                _written(written, operation="update")
                self._event(raw, "Normal", c.EVENT_REASON_UPDATED, c.EVENT_MSG_UPDATED)
                self._report_data_change(key, raw, existing, written)
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
        self._versions.record(key, version_of(written))

    def _report_data_change(
        self,
        key: ObjectKey,
        raw: Mapping[str, Any],
        existing: Mapping[str, Any],
        written: Mapping[str, Any],
    ) -> None:
        """Tell the hook when the data-hash annotation moved (a Secret eso had written)."""
        before = _data_hash_of(existing)
        if self._on_data_change is not None and before and before != _data_hash_of(written):
            self._on_data_change(key, raw, written)

    async def delete(self, key: ObjectKey, raw: Mapping[str, Any], target: Target) -> None:
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
        self._versions.drop_verified(key)
        self._event(raw, "Normal", c.EVENT_REASON_DELETED, c.EVENT_MSG_DELETED)
        log.info("secret_deleted", secret=target.secret_name)

    def _event(self, raw: Mapping[str, Any], type_: EventType, reason: str, message: str) -> None:
        self._recorder.record(dict(raw), type_=type_, reason=reason, message=message)


def _data_hash_of(secret: Mapping[str, Any]) -> str | None:
    annotations = (secret.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(c.ANNOTATION_DATA_HASH)
    return value if isinstance(value, str) else None


class _ExistsError(Exception):
    """A create found the Secret already there: read it and update instead."""


def _written(secret: Mapping[str, Any], *, operation: str) -> None:
    """Debug trace of one Secret write (names and resourceVersion only, never data): with
    sharding, which replica wrote what is told by whose log holds the line."""
    meta = secret.get("metadata") or {}
    log.debug(
        "secret_written",
        operation=operation,
        secret=f"{meta.get('namespace', '')}/{meta.get('name', '')}",
        resource_version=meta.get("resourceVersion", ""),
    )
