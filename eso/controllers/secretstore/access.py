"""``ProviderAccess``: what any controller needs to reach a store's provider.

The store and ExternalSecret reconcilers both build provider clients for a store, reading its
credential Secrets through the shared ``CredentialReader`` and its ServiceAccount tokens
(``auth.jwt``) through the shared ``ServiceAccountTokens``. One small typed bundle instead of
loose constructor arguments keeps the manager's wiring checked by mypy.
"""

from __future__ import annotations

from dataclasses import dataclass

from eso.api.models import AnyStore
from eso.controllers.secretstore.credentials import CredentialReader
from eso.controllers.secretstore.refs import event_target
from eso.controllers.secretstore.tokens import ServiceAccountTokens
from eso.kube.client import KubeClient
from eso.kube.events import EventRecorder
from eso.providers.base import Notice, SecretsClient
from eso.providers.registry import ProviderRegistry


@dataclass(frozen=True)
class ProviderAccess:
    """The Kubernetes client, the provider registry and the credential reader."""

    client: KubeClient
    registry: ProviderRegistry
    credentials: CredentialReader
    tokens: ServiceAccountTokens | None = None  # None: auth.jwt stores fail with ConfigError

    async def client_for(
        self, store: AnyStore, *, namespace: str, recorder: EventRecorder, validating: bool = False
    ) -> SecretsClient:
        """A provider client for ``store`` used from ``namespace``; raises ``ProviderError``.

        Provider notices (e.g. ``BatchGetSecretValueDenied``) become events on the store,
        recorded by ``recorder``. ``validating`` (the store controller) reads ServiceAccounts
        past their cache, so a deleted one fails validation at once.
        """

        def notice(n: Notice) -> None:
            recorder.record(event_target(store), type_=n.type, reason=n.reason, message=n.message)

        provider = self.registry.for_store(store)
        return await provider.new_client(
            store,
            namespace=namespace,
            get_secret=self.credentials.getter(store),
            on_notice=notice,
            get_token=None if self.tokens is None else self.tokens.getter(store, fresh=validating),
        )
