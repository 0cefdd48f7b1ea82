"""Provider lookup: which ``spec.provider`` field a store sets → the ``Provider`` serving it.

A store's ``spec.provider`` has one optional field per provider kind (``aws``, ``vault``, ...),
exactly one of which must be set. ``ProviderRegistry.for_store`` finds it and returns the
registered ``Provider``, or raises ``ConfigError`` naming the problem (none set, several set,
or a provider eso does not implement - never a silent skip).

``default_registry`` builds the process's registry; providers are long-lived objects that own
shared sessions and caches, so the registry is created once and closed at shutdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


class ProviderRegistry:
    """Maps a provider name (``"aws"``) to the ``Provider`` that serves it."""

    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}

    def register(self, provider: Provider) -> None:
        """Register ``provider`` under ``provider.name``; a second registration replaces it."""
        self._providers[provider.name] = provider

    def get(self, name: str) -> Provider:
        """The provider called ``name``; ``NotImplementedFeatureError`` if eso has none."""
        try:
            return self._providers[name]
        except KeyError:
            supported = ", ".join(sorted(self._providers)) or "none"
            raise NotImplementedFeatureError(
                MSG_UNSUPPORTED.format(name=name, supported=supported)
            ) from None

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
    from eso.providers.aws.services import AWSServices

    registry = ProviderRegistry()
    registry.register(AWSServices(settings=settings, metrics=metrics, clock=clock))
    return registry
