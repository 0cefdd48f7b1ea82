"""A pushed secret's resource policy against moto: put on create, put again only when it
changes, deleted on each push without one (as ESO does), and a policy that cannot be read
refused before anything is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_helpers import FakeSecrets, calls
from test_secretsmanager_push import describe, entry, writer

from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.providers.base import ConfigError, ProviderError, ProviderUnavailableError
from localkube.moto import MotoSecrets

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ],
}


class Refs:
    """A ``MetadataRefReader`` over fixed objects; records what it was asked for."""

    def __init__(self, **objects: dict[str, str]) -> None:
        self.objects = objects
        self.asked: list[tuple[str, str, str]] = []

    async def __call__(self, kind: str, name: str, key: str) -> str:
        self.asked.append((kind, name, key))
        data = self.objects.get(name)
        if data is None:
            raise ProviderUnavailableError(f"failed to get {kind} ns/{name}: not found")
        if key not in data:
            raise ConfigError(f"key {key} not found in {kind} ns/{name}")
        return data[key]


def with_policy(
    remote: str, *, kind: str = "ConfigMap", name: str = "policy", block: bool | None = None
) -> Any:
    spec: dict[str, Any] = {"policySourceRef": {"kind": kind, "name": name, "key": "policy.json"}}
    if block is not None:
        spec["blockPublicPolicy"] = block
    return entry(remote, resourcePolicy=spec)


async def policy_of(moto: MotoSecrets, name: str) -> Any:
    async with moto.client() as sm:
        resp: dict[str, Any] = await sm.get_resource_policy(SecretId=name)
    text = resp.get("ResourcePolicy")
    return None if text is None else json.loads(text)


async def test_a_new_secret_gets_the_policy_from_its_config_map(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    refs = Refs(policy={"policy.json": json.dumps(POLICY)})
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, with_policy("app/pol", block=True), refs=refs)
    assert await policy_of(moto_secrets, "app/pol") == POLICY
    assert refs.asked == [("ConfigMap", "policy", "policy.json")]
    assert calls(metrics, "PutResourcePolicy") == 1


async def test_an_unchanged_policy_is_not_put_again_and_a_changed_one_is(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    refs = Refs(policy={"policy.json": json.dumps(POLICY)})
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, with_policy("app/pol", kind="Secret"), refs=refs)
    # Same policy, other spacing and key order: JSON-equal, so no write.
    refs.objects["policy"] = {"policy.json": json.dumps(POLICY, indent=2, sort_keys=True)}
    await w.push_secret({"password": b"v"}, with_policy("app/pol", kind="Secret"), refs=refs)
    assert calls(metrics, "PutResourcePolicy") == 1
    assert calls(metrics, "GetResourcePolicy") == 1
    changed = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Deny"}]}  # type: ignore[dict-item]
    refs.objects["policy"] = {"policy.json": json.dumps(changed)}
    await w.push_secret({"password": b"v"}, with_policy("app/pol", kind="Secret"), refs=refs)
    assert await policy_of(moto_secrets, "app/pol") == changed
    assert calls(metrics, "PutResourcePolicy") == 2


async def test_without_a_resource_policy_a_push_deletes_the_existing_one(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    refs = Refs(policy={"policy.json": json.dumps(POLICY)})
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, with_policy("app/pol"), refs=refs)
    await w.push_secret({"password": b"v"}, entry("app/pol"), refs=refs)
    assert await policy_of(moto_secrets, "app/pol") is None
    assert calls(metrics, "DeleteResourcePolicy") == 1
    assert calls(metrics, "DeleteResourcePolicy", "error") == 0


@pytest.mark.parametrize(
    ("remote_entry", "error", "message"),
    [
        pytest.param(
            with_policy("app/none", name="missing"),
            ProviderUnavailableError,
            "failed to resolve resource policy: failed to get ConfigMap ns/missing",
            id="missing-object",
        ),
        pytest.param(
            entry("app/none", resourcePolicy={"blockPublicPolicy": True}),
            ConfigError,
            "policySourceRef is nil",
            id="no-source",
        ),
        pytest.param(
            with_policy("app/none", kind="Vault"),
            ConfigError,
            "unsupported PolicySourceRef kind: Vault",
            id="kind",
        ),
        pytest.param(
            with_policy("app/none", name="not-json"),
            ConfigError,
            "failed to unmarshal desired resource policy",
            id="not-json",
        ),
    ],
)
async def test_a_policy_that_cannot_be_used_writes_nothing(
    provider: AWSProvider,
    k8s_secrets: FakeSecrets,
    metrics: Metrics,
    remote_entry: Any,
    error: type[ProviderError],
    message: str,
) -> None:
    refs = Refs(**{"not-json": {"policy.json": "{not json"}})
    w = await writer(provider, k8s_secrets)
    with pytest.raises(error, match=message):
        await w.push_secret({"password": b"v"}, remote_entry, refs=refs)
    assert calls(metrics, "DescribeSecret") == calls(metrics, "CreateSecret") == 0


async def test_a_policy_on_an_existing_secret_failing_keeps_its_value(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v1"}, entry("app/kept"))
    with pytest.raises(ProviderUnavailableError):
        await w.push_secret({"password": b"v2"}, with_policy("app/kept"), refs=Refs())
    assert len((await describe(moto_secrets, "app/kept"))["VersionIdsToStages"]) == 1
    assert calls(metrics, "PutSecretValue") == 0
