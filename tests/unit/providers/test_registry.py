"""The provider registry finds the provider a store configures, or says clearly why not."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.secretstore import SecretStore
from eso.metrics import Metrics
from eso.providers.base import ConfigError, NotImplementedFeatureError
from eso.providers.registry import ProviderRegistry, default_registry
from eso.settings import AWSSettings

AWS = {"service": "SecretsManager", "region": "eu-west-1"}


def store(provider: dict[str, Any]) -> SecretStore:
    return SecretStore.model_validate(
        {"metadata": {"name": "s", "namespace": "ns"}, "spec": {"provider": provider}}
    )


async def test_aws_store_gets_the_aws_provider() -> None:
    registry = default_registry(settings=AWSSettings(), metrics=Metrics().provider)
    assert registry.for_store(store({"aws": AWS})).name == "aws"
    await registry.close()


@pytest.mark.parametrize(
    ("provider", "error", "message"),
    [
        ({}, ConfigError, "no provider configured"),
        ({"vault": {"server": "https://vault"}}, NotImplementedFeatureError, "'vault'"),
        ({"aws": AWS, "vault": {}}, ConfigError, "more than one provider"),
    ],
)
def test_unusable_provider_configs_are_refused_clearly(
    provider: dict[str, Any], error: type[Exception], message: str
) -> None:
    registry = ProviderRegistry()
    with pytest.raises(error, match=message):
        registry.for_store(store(provider))


async def test_a_lazy_provider_is_built_once_at_the_first_store_that_names_it() -> None:
    built: list[object] = []
    real = default_registry(settings=AWSSettings(), metrics=Metrics().provider)

    def factory() -> Any:
        if not built:
            built.append("failed")
            raise RuntimeError("no session yet")
        built.append(real.get("aws"))
        return built[-1]

    registry = ProviderRegistry()
    registry.register_lazy("aws", factory)
    assert built == []
    with pytest.raises(RuntimeError):
        registry.for_store(store({"aws": AWS}))
    first = registry.for_store(store({"aws": AWS}))
    assert registry.for_store(store({"aws": AWS})) is first
    assert built == ["failed", first]
    await registry.close()
