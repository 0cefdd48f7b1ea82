"""The ``aws`` provider as controllers see it: one ``Provider`` serving every AWS service.

A store names its AWS service in ``spec.provider.aws.service``; the registry knows providers by
``spec.provider`` field only, so this thin dispatcher sits under the name ``aws`` and hands each
call to the provider of that service: Secrets Manager (``secretsmanager.AWSProvider``) or
Parameter Store (``parameterstore.ParameterStoreProvider``). Each keeps its own session pool,
readers and caches (the two services' clients, call economies and values never mix).
CertificateManager is refused here, naming what is implemented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eso.clock import Clock
from eso.metrics import ProviderMetrics
from eso.providers.aws.parameterstore import SERVICE_PARAMETER_STORE, ParameterStoreProvider
from eso.providers.aws.secretsmanager import (
    PROVIDER_NAME,
    SERVICE_SECRETS_MANAGER,
    AWSProvider,
    aws_spec,
)
from eso.providers.base import (
    NoticeHandler,
    NotImplementedFeatureError,
    SecretDataGetter,
    SecretsClient,
    ServiceAccountTokenGetter,
)
from eso.settings import AWSSettings

if TYPE_CHECKING:
    from eso.api.secretstore import AnyStore
    from eso.providers.base import Provider

MSG_SERVICE = (
    "spec.provider.aws.service {service!r} is not implemented yet "
    "(implemented: SecretsManager, ParameterStore)"
)


class AWSServices:
    """``Provider`` for ``spec.provider.aws``, dispatching on ``service``; one per process."""

    name = PROVIDER_NAME

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self.secrets_manager = AWSProvider(settings=settings, metrics=metrics, clock=clock)
        self.parameter_store = ParameterStoreProvider(
            settings=settings, metrics=metrics, clock=clock
        )

    def _for(self, store: AnyStore) -> Provider:
        service = aws_spec(store).service
        if service == SERVICE_SECRETS_MANAGER:
            return self.secrets_manager
        if service == SERVICE_PARAMETER_STORE:
            return self.parameter_store
        raise NotImplementedFeatureError(MSG_SERVICE.format(service=service))

    def validate_store(self, store: AnyStore) -> None:
        """Static checks of the store for its service (no I/O); raises ``ConfigError``."""
        self._for(store).validate_store(store)

    async def new_client(
        self,
        store: AnyStore,
        *,
        namespace: str,
        get_secret: SecretDataGetter,
        on_notice: NoticeHandler | None = None,
        get_token: ServiceAccountTokenGetter | None = None,
    ) -> SecretsClient:
        """A client of the store's service (see that provider's ``new_client``)."""
        provider = self._for(store)
        return await provider.new_client(
            store,
            namespace=namespace,
            get_secret=get_secret,
            on_notice=on_notice,
            get_token=get_token,
        )

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        """A store was deleted: both services release what they hold for it (idempotent)."""
        await self.secrets_manager.forget_store(kind=kind, namespace=namespace, name=name)
        await self.parameter_store.forget_store(kind=kind, namespace=namespace, name=name)

    async def close(self) -> None:
        """Close both services' sessions; safe to call twice."""
        await self.secrets_manager.close()
        await self.parameter_store.close()
