"""The SecretStore and ClusterSecretStore reconciler: is this store usable right now?

One class serves both kinds (ESO's shared ``reconcile`` in ``secretstore/common.go``). A
reconcile validates the store statically (unimplemented fields, provider config, credential
namespace rules), builds a provider client (which reads the credential Secret) and makes the
provider's one cheap real call. The outcome is the Ready condition with ESO's reasons and
messages - ``Valid`` / "store validated", or ``InvalidProviderConfig`` / "unable to create
client" or "unable to validate store" - with the cause in a Warning event, as ESO does. eso
also names the cause in the condition message (never a value: provider errors are sanitised).

Stores are revalidated every ``store_requeue_interval`` (or the store's ``refreshInterval``),
and at once when their credential Secret changes (the manager's handlers). ExternalSecrets of a
store that is not Ready fail fast on this condition instead of calling the provider, which is
why a transient provider failure raises (retried with backoff) rather than waiting a full
interval. Status is written only when it changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from eso.api import conditions as c
from eso.api.duration import DurationError
from eso.api.models import AnyStore, ClusterSecretStore, SecretStore, unimplemented_features
from eso.clock import Clock, SystemClock
from eso.controllers.runtime.conditions import get_condition
from eso.controllers.runtime.worker import Result
from eso.controllers.secretstore.access import ProviderAccess
from eso.controllers.secretstore.errors import StoreValidationError, invalid
from eso.controllers.secretstore.refs import event_target, should_process
from eso.controllers.secretstore.status import store_ready
from eso.kube.cache import Cache
from eso.kube.events import EventRecorder
from eso.kube.keys import ObjectKey, split_key
from eso.kube.resources import CLUSTER_SECRET_STORES, SECRET_STORES
from eso.logging import bound
from eso.metrics import StoreMetrics
from eso.providers.base import ProviderError
from eso.settings import ControllerSettings

log = structlog.get_logger(__name__)

# What ESO's ``Capabilities()`` reports per provider: AWS Secrets Manager and Parameter Store
# are ``ReadWrite`` (PushSecret writes to both); a provider not listed can only be read.
CAPABILITIES: dict[str, str] = {"aws": "ReadWrite"}
DEFAULT_CAPABILITIES = "ReadOnly"


class StoreReconciler:
    """Reconciles one store kind; keys are ``namespace/name`` or ``name``."""

    def __init__(
        self,
        kind: str,
        *,
        cache: Cache,
        access: ProviderAccess,
        recorder: EventRecorder,
        metrics: StoreMetrics,
        settings: ControllerSettings,
        clock: Clock | None = None,
    ) -> None:
        self.kind = kind
        self._cache = cache
        self._access = access
        self._client = access.client
        self._registry = access.registry
        self._recorder = recorder
        self._metrics = metrics
        self._settings = settings
        self._clock = clock or SystemClock()
        self._cluster_scoped = kind == c.KIND_CLUSTER_SECRET_STORE
        self._resource = CLUSTER_SECRET_STORES if self._cluster_scoped else SECRET_STORES
        self._model: type[SecretStore] | type[ClusterSecretStore] = (
            ClusterSecretStore if kind == c.KIND_CLUSTER_SECRET_STORE else SecretStore
        )

    async def reconcile(self, key: ObjectKey) -> Result:
        """Validate the store behind ``key`` and record the outcome; idempotent."""
        namespace, name = split_key(key)
        raw = self._cache.get(key)
        if raw is None:
            self._metrics.forget(namespace=None if self._cluster_scoped else namespace, name=name)
            await self._registry.forget_store(kind=self.kind, namespace=namespace, name=name)
            return Result()
        store = self._model.model_validate(raw)
        if not should_process(store, self._settings.controller_class):
            return Result()
        with bound(kind=self.kind, namespace=namespace, name=name):
            return await self._timed(raw, store)

    async def _timed(self, raw: Mapping[str, Any], store: AnyStore) -> Result:
        """``_reconcile``, measured into ESO's duration gauge and eso's histogram."""
        start, ok = self._clock.now(), False
        try:
            result = await self._reconcile(raw, store)
            ok = True
            return result
        finally:
            self._metrics.reconciled(
                namespace=None if self._cluster_scoped else store.metadata.namespace or "",
                name=store.metadata.name,
                seconds=self._clock.now() - start,
                ok=ok,
            )

    async def _reconcile(self, raw: Mapping[str, Any], store: AnyStore) -> Result:
        requeue = self._settings.store_requeue_interval
        try:
            requeue = self._requeue_interval(store)
            capabilities = await self._validate(store)
        except StoreValidationError as e:
            await self._set_ready(
                raw,
                store,
                ready=False,
                reason=c.REASON_INVALID_PROVIDER_CONFIG,
                message=f"{e.message}: {e.cause}",
                event_cause=e.cause,
            )
            log.warning("store_invalid", error=str(e))
            if e.transient:
                raise
            return Result(requeue_after=requeue)
        await self._set_ready(
            raw,
            store,
            ready=True,
            reason=c.REASON_STORE_VALID,
            message=c.MSG_STORE_VALIDATED,
            capabilities=capabilities,
        )
        return Result(requeue_after=requeue)

    def _requeue_interval(self, store: AnyStore) -> float:
        """The store's own ``refreshInterval`` or the default; a bad value is a config error.

        A bad value is reported (never silently replaced by the default): the store is not
        Ready until it is fixed, like any other invalid provider configuration.
        """
        try:
            own = store.spec.refresh_interval_seconds()
        except DurationError as e:
            cause = c.ERR_STORE_REFRESH_INTERVAL.format(value=store.spec.refresh_interval, error=e)
            raise StoreValidationError(c.MSG_UNABLE_VALIDATE_STORE, cause) from e
        return own or self._settings.store_requeue_interval

    async def _validate(self, store: AnyStore) -> str:
        """Raise StoreValidationError unless the store works; returns its capabilities."""
        missing = unimplemented_features(store)
        if missing:
            detail = c.MSG_NOT_IMPLEMENTED.format(features=", ".join(missing))
            raise StoreValidationError(c.MSG_UNABLE_CREATE_CLIENT, detail)
        try:
            provider = self._registry.for_store(store)
            provider.validate_store(store)
            client = await self._access.client_for(
                store,
                namespace=store.metadata.namespace or "",
                recorder=self._recorder,
                validating=True,
            )
        except ProviderError as e:
            raise invalid(c.MSG_UNABLE_CREATE_CLIENT, e) from e
        try:
            await client.validate()
        except ProviderError as e:
            raise invalid(c.MSG_UNABLE_VALIDATE_STORE, e) from e
        finally:
            await client.close()
        return CAPABILITIES.get(provider.name, DEFAULT_CAPABILITIES)

    async def _set_ready(
        self,
        raw: Mapping[str, Any],
        store: AnyStore,
        *,
        ready: bool,
        reason: str,
        message: str,
        capabilities: str | None = None,
        event_cause: str | None = None,
    ) -> None:
        """Write the Ready condition if it changed; events and metrics follow ESO."""
        old = dict(raw.get("status") or {})
        new = store_ready(
            old,
            ready=ready,
            reason=reason,
            message=message,
            now=self._clock.wall(),
            capabilities=capabilities,
        )
        status = c.STATUS_TRUE if ready else c.STATUS_FALSE
        self._metrics.ready(
            namespace=None if self._cluster_scoped else store.metadata.namespace or "",
            name=store.metadata.name,
            status=status,
        )
        target = event_target(store)
        if event_cause is not None:
            self._recorder.record(target, type_="Warning", reason=reason, message=event_cause)
        if new == old:
            return
        was = get_condition(old.get("conditions"), c.CONDITION_READY)
        if ready and (was is None or was.get("status") != c.STATUS_TRUE):
            self._recorder.record(target, type_="Normal", reason=reason, message=message)
            log.info("store_validated")
        await self._client.patch(
            self._resource,
            name=store.metadata.name,
            namespace=store.metadata.namespace,
            body={"status": new},
            subresource="status",
        )
