"""Fixtures for provider tests against the moto server: the provider, metrics, credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aws_helpers import CRED_SECRET, NAMESPACE, FakeSecrets

from eso.clock import Clock
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.settings import AWSSettings


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def k8s_secrets() -> FakeSecrets:
    secrets = FakeSecrets()
    secrets.put(NAMESPACE, CRED_SECRET, "AKIAFAKEFAKEFAKE0001", "fake-secret-key")
    return secrets


@pytest.fixture
def aws_settings() -> AWSSettings:
    return AWSSettings()


@pytest.fixture
def clock() -> Clock | None:
    return None


@pytest.fixture
async def provider(
    moto_server: object, aws_settings: AWSSettings, metrics: Metrics, clock: Clock | None
) -> AsyncIterator[AWSProvider]:
    """The AWS provider against the moto server, closed after the test."""
    p = AWSProvider(settings=aws_settings, metrics=metrics.provider, clock=clock)
    yield p
    await p.close()
