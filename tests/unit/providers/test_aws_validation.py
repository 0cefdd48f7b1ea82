"""Store validation checks what ESO checks, for every AWS service."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.secretstore import SecretStore
from eso.metrics import Metrics
from eso.providers.aws.services import AWSServices
from eso.providers.base import ConfigError
from eso.settings import AWSSettings


def store(service: str, **aws: Any) -> SecretStore:
    spec = {"provider": {"aws": {"service": service, "region": "eu-west-1", **aws}}}
    return SecretStore.model_validate({"metadata": {"name": "s", "namespace": "n"}, "spec": spec})


@pytest.fixture
def provider() -> AWSServices:
    return AWSServices(settings=AWSSettings(), metrics=Metrics().provider)


@pytest.mark.parametrize("service", ["SecretsManager", "ParameterStore"])
@pytest.mark.parametrize(
    ("aws", "match"),
    [
        pytest.param({"region": "eu_west_1"}, "^region not found: eu_west_1$", id="region"),
        pytest.param({"region": "EU-WEST-1"}, "^region not found: EU-WEST-1$", id="upper"),
        pytest.param(
            {"secretsManager": {"recoveryWindowInDays": 6}},
            "^invalid DeleteSecretInput: RecoveryWindowInDays must be between 7 and 30 days$",
            id="window-low",
        ),
        pytest.param(
            {"secretsManager": {"recoveryWindowInDays": 31}},
            "RecoveryWindowInDays must be between 7 and 30 days",
            id="window-high",
        ),
        pytest.param(
            {"secretsManager": {"recoveryWindowInDays": 7, "forceDeleteWithoutRecovery": True}},
            "^invalid DeleteSecretInput: ForceDeleteWithoutRecovery conflicts with "
            "RecoveryWindowInDays$",
            id="window-and-force",
        ),
    ],
)
def test_stores_eso_refuses_are_refused(
    provider: AWSServices, service: str, aws: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        provider.validate_store(store(service, **aws))


@pytest.mark.parametrize("service", ["SecretsManager", "ParameterStore"])
@pytest.mark.parametrize(
    "aws",
    [
        pytest.param({"region": "ap-southeast-7"}, id="a-region-newer-than-our-list"),
        pytest.param({"secretsManager": {"recoveryWindowInDays": 30}}, id="window-30"),
        pytest.param({"secretsManager": {"forceDeleteWithoutRecovery": True}}, id="force"),
    ],
)
def test_stores_eso_accepts_are_accepted(
    provider: AWSServices, service: str, aws: dict[str, Any]
) -> None:
    provider.validate_store(store(service, **aws))


def test_a_bad_retry_interval_fails_validation(provider: AWSServices) -> None:
    doc = store("SecretsManager").model_dump(by_alias=True, exclude_none=True)
    doc["spec"]["retrySettings"] = {"retryInterval": "10 seconds"}
    with pytest.raises(ConfigError, match="unable to initialize aws provider"):
        provider.validate_store(SecretStore.model_validate(doc))
