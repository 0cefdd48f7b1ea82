"""A pushed secret's replica regions against moto: created with the secret, brought in line
when ``replicationLocations`` changes, left alone when it is not set, and removed before the
secret is deleted (Secrets Manager refuses to delete a secret with replicas)."""

from __future__ import annotations

from typing import Any

from aws_helpers import FakeSecrets, calls
from test_secretsmanager_push import describe, entry, writer

from eso.api.pushsecret import PushSecretRemoteRef
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from localkube.moto import MotoSecrets


def regions(described: dict[str, Any]) -> set[str]:
    return {s["Region"] for s in described.get("ReplicationStatus") or []}


async def test_a_new_secret_is_created_with_its_replicas(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    remote = entry("app/rep", replicationLocations=["eu-west-1", "us-west-2"])
    await w.push_secret({"password": b"v"}, remote)
    assert regions(await describe(moto_secrets, "app/rep")) == {"eu-west-1", "us-west-2"}
    assert calls(metrics, "ReplicateSecretToRegions") == 0  # part of CreateSecret


async def test_changed_locations_remove_and_add_regions_and_unset_leaves_them(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, entry("app/rep", replicationLocations=["eu-west-1"]))
    await w.push_secret({"password": b"v"}, entry("app/rep", replicationLocations=["us-west-2"]))
    assert regions(await describe(moto_secrets, "app/rep")) == {"us-west-2"}
    assert calls(metrics, "RemoveRegionsFromReplication") == 1
    assert calls(metrics, "ReplicateSecretToRegions") == 1
    await w.push_secret({"password": b"v"}, entry("app/rep"))
    assert regions(await describe(moto_secrets, "app/rep")) == {"us-west-2"}
    await w.push_secret({"password": b"v"}, entry("app/rep", replicationLocations=[]))
    assert regions(await describe(moto_secrets, "app/rep")) == set()
    assert calls(metrics, "RemoveRegionsFromReplication") == 2


async def test_a_replicated_secret_is_deleted_after_its_replicas(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    w = await writer(provider, k8s_secrets)
    await w.push_secret({"password": b"v"}, entry("app/rep", replicationLocations=["eu-west-1"]))
    await w.delete_secret(PushSecretRemoteRef(remote_key="app/rep"))
    assert "DeletedDate" in await describe(moto_secrets, "app/rep")
    assert calls(metrics, "RemoveRegionsFromReplication") == 1
    assert calls(metrics, "DeleteSecret") == 1
