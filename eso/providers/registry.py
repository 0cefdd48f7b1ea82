"""Provider lookup: which ``spec.provider`` field a store sets → the ``Provider`` serving it.

A store's ``spec.provider`` has one optional field per provider kind (``aws``, ``vault``, ...),
exactly one of which must be set. ``ProviderRegistry.for_store`` finds it and returns the
registered ``Provider``, or raises ``ConfigError`` naming the problem (none set, several set,
or a provider eso does not implement - never a silent skip).

``default_registry`` builds the process's registry; providers are long-lived objects that own
shared sessions and caches, so the registry is created once and closed at shutdown. A provider
may be registered lazily (``register_lazy``): built at the first store that names it. The AWS
provider is: it imports botocore and aiobotocore (~4 MB RSS, ~9 MB with the ECR and STS
generators), which a controller whose stores name no AWS provider never needs
(tests/unit/test_import_floor.py). A provider never built holds nothing to forget or close.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from eso.providers.base import ConfigError, NotImplementedFeatureError

if TYPE_CHECKING:
    from eso.api.secretstore import AnyStore
    from eso.clock import Clock
    from eso.metrics import ProviderMetrics
    from eso.providers.base import Provider
    from eso.settings import AWSSettings

# Message formats (part of our API: they end up in store conditions).
MSG_NO_PROVIDER = "store has no provider configured in spec.provider"
MSG_MANY_PROVIDERS = "store configures more than one provider in spec.provider: {names}"
MSG_UNSUPPORTED = "provider {name!r} is not supported by eso (supported: {supported})"

AWS: Final = "aws"
"""The AWS provider's ``spec.provider`` field (its ``PROVIDER_NAME``, known before import)."""


class ProviderRegistry:
    """Maps a provider name (``"aws"``) to the ``Provider`` that serves it."""

    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}
        self._factories: dict[str, Callable[[], Provider]] = {}

    def register(self, provider: Provider) -> None:
        """Register ``provider`` under ``provider.name``; a second registration replaces it."""
        self._factories.pop(provider.name, None)
        self._providers[provider.name] = provider

    def register_lazy(self, name: str, factory: Callable[[], Provider]) -> None:
        """Register ``factory``'s provider under ``name``, built at its first ``get``."""
        self._providers.pop(name, None)
        self._factories[name] = factory

    def get(self, name: str) -> Provider:
        """The provider called ``name``; ``NotImplementedFeatureError`` if eso has none."""
        provider = self._providers.get(name)
        if provider is not None:
            return provider
        factory = self._factories.get(name)
        if factory is not None:
            provider = self._providers[name] = factory()
            del self._factories[name]  # after the build: a failed one is tried again
            return provider
        supported = ", ".join(sorted({*self._providers, *self._factories})) or "none"
        raise NotImplementedFeatureError(MSG_UNSUPPORTED.format(name=name, supported=supported))

    def for_store(self, store: AnyStore) -> Provider:
        """The provider a store uses; ``ConfigError`` unless exactly one supported one is set."""
        names = store.spec.provider.names()
        if not names:
            raise ConfigError(MSG_NO_PROVIDER)
        if len(names) > 1:
            raise ConfigError(MSG_MANY_PROVIDERS.format(names=", ".join(sorted(names))))
        return self.get(names[0])

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        """A store was deleted: every provider releases what it holds for it.

        Every provider is told because a deleted store's spec (which names its provider) may
        no longer be known; forgetting an unknown store is a no-op.
        """
        for provider in self._providers.values():
            await provider.forget_store(kind=kind, namespace=namespace, name=name)

    async def close(self) -> None:
        """Close every provider (shared sessions); called once at shutdown."""
        for provider in self._providers.values():
            await provider.close()


def default_registry(
    *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
) -> ProviderRegistry:
    """The registry of every provider eso ships, sharing ``metrics`` and ``clock``."""

    def aws() -> Provider:
        from eso.providers.aws.services import AWSServices

        return AWSServices(settings=settings, metrics=metrics, clock=clock)

    registry = ProviderRegistry()
    registry.register_lazy(AWS, aws)
    return registry
