"""A PushSecret's Secrets Manager ``resourcePolicy`` end to end: the policy is read from a
ConfigMap in the PushSecret's namespace and set on the remote secret (moto); a missing
ConfigMap is a clear condition and nothing is written until it appears."""

from __future__ import annotations

import json
from typing import Any

import pytest
from controller_env import Env
from test_push_secret import data_entry, push_secret, ready, remote, source, wait_ps

from eso.api import pushconditions as pc
from localkube.pytest_cluster import wait_for

META = {"apiVersion": "kubernetes.external-secrets.io/v1alpha1", "kind": "PushSecretMetadata"}
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


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with working credentials and a Ready SecretStore ``aws-store``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


def policy_entry(remote_key: str) -> dict[str, Any]:
    ref = {"kind": "ConfigMap", "name": "sm-policy", "key": "policy.json"}
    spec = {"resourcePolicy": {"blockPublicPolicy": True, "policySourceRef": ref}}
    return data_entry("password", remote_key, metadata={**META, "spec": spec})


async def config_map(env: Env, ns: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "sm-policy", "namespace": ns},
        "data": {"policy.json": json.dumps(POLICY)},
    }
    await env.raw.create("v1", "configmaps", body, namespace=ns)


async def policy_of(env: Env, name: str) -> Any:
    async with env.aws.client() as sm:
        resp: dict[str, Any] = await sm.get_resource_policy(SecretId=name)
    text = resp.get("ResourcePolicy")
    return None if text is None else json.loads(text)


async def test_the_policy_from_a_config_map_is_set_on_the_remote_secret(env: Env, ns: str) -> None:
    await config_map(env, ns)
    await source(env, ns, password="v")
    await push_secret(env, ns, data=[policy_entry(f"{ns}/with-policy")])
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert await policy_of(env, f"{ns}/with-policy") == POLICY


async def test_a_missing_policy_config_map_is_reported_and_nothing_is_written(
    env: Env, ns: str
) -> None:
    await source(env, ns, password="v")
    await push_secret(env, ns, data=[policy_entry(f"{ns}/later")])
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    assert f"failed to get ConfigMap {ns}/sm-policy: not found" in ready(obj)["message"]
    assert await remote(env, f"{ns}/later") is None
    await config_map(env, ns)  # retried with backoff: no edit of the PushSecret needed
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)

    async def has_policy() -> bool:
        return await policy_of(env, f"{ns}/later") == POLICY

    await wait_for(has_policy, timeout=20.0)
