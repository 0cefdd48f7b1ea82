"""ExternalSecrets against a ParameterStore ClusterSecretStore, end to end through the Manager.

Runs against the local control plane or a real cluster (``ESO_TEST_KUBECONFIG``): names are
unique per test (the ClusterSecretStore carries ``env.suffix`` and is removed afterwards), every
namespaced object lives in the test's own namespace, and every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from controller_env import ES_API, REGION, Env

from eso.api import conditions as c
from eso.providers.aws.ssmreader import PROVIDER_LABEL
from eso.settings import ControllerSettings
from localkube.moto import MotoParameters
from localkube.pytest_cluster import wait_for


@pytest.fixture
def controller_settings() -> ControllerSettings:
    """Production worker count: what decides how many reads one batch window gathers."""
    return ControllerSettings(refresh_jitter=0.0, store_requeue_interval=300.0)


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


def _calls(env: Env, call: str, status: str = "success") -> int:
    labels = {"provider": PROVIDER_LABEL, "call": call, "status": status}
    value = env.metrics.registry.get_sample_value("externalsecret_provider_api_calls_count", labels)
    return int(value or 0)


def _item(secret_key: str, key: str, **remote: str) -> dict[str, Any]:
    return {"secretKey": secret_key, "remoteRef": {"key": key, **remote}}


async def _parameter_store(env: Env) -> tuple[str, str]:
    """A namespace with credentials and a Ready ParameterStore ClusterSecretStore; both names."""
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    name = f"ssm-{env.suffix}"
    spec = env.store_spec("awssm-secret", ns)
    spec["provider"]["aws"] |= {"service": "ParameterStore", "region": REGION}
    body = {
        "apiVersion": ES_API,
        "kind": "ClusterSecretStore",
        "metadata": {"name": name},
        "spec": spec,
    }
    await env.raw.create(ES_API, "clustersecretstores", body)
    env.cluster_objects.append(("clustersecretstores", name))
    await env.wait_ready("clustersecretstores", name)
    return ns, name


def _parameters(env: Env) -> MotoParameters:
    return MotoParameters(env.moto.url, region=REGION)


async def _bounded(jobs: list[Callable[[], Awaitable[Any]]], *, concurrency: int = 20) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(j) for j in jobs))


async def _wait_all_ready(env: Env, ns: str, names: set[str], *, within: float = 30.0) -> None:
    """Poll (one list per poll) until every named ExternalSecret has a final Ready condition."""

    async def probe() -> bool:
        listed = await env.raw.list(ES_API, "externalsecrets", namespace=ns)
        done = {
            item["metadata"]["name"]
            for item in listed.get("items") or []
            for cond in (item.get("status") or {}).get("conditions") or []
            if cond.get("type") == "Ready" and cond.get("status") in ("True", "False")
        }
        return names <= done

    await wait_for(probe, timeout=within, interval=0.1)


async def test_every_kind_of_parameter_syncs_into_one_secret(env: Env) -> None:
    ssm = _parameters(env)
    first = await ssm.put("/app/rotated", "old")
    await ssm.put("/app/rotated", "new")
    await ssm.put("/app/plain", "hello", tags={"team": "blue"})
    await ssm.put("/app/secure", "s3cr3t", type_="SecureString")
    await ssm.put("/app/list", "a,b,c", type_="StringList")
    await ssm.put("/app/json", {"user": "admin", "port": 5432})
    ns, store = await _parameter_store(env)
    data = [
        _item("plain", "/app/plain"),
        _item("secure", "/app/secure"),
        _item("list", "/app/list"),
        _item("old", "/app/rotated", version=str(first)),
        _item("user", "/app/json", property="user"),
        _item("tags", "/app/plain", metadataPolicy="Fetch"),
    ]
    extract = [{"extract": {"key": "/app/json"}}]
    await env.external_secret(
        ns, "app", store=store, store_kind="ClusterSecretStore", data=data, data_from=extract
    )
    secret = await env.wait_secret("app", ns)
    assert _data(secret) == {
        "plain": b"hello",
        "secure": b"s3cr3t",
        "list": b"a,b,c",
        "old": b"old",
        "user": b"admin",
        "tags": b'{"team":"blue"}',
        "port": b"5432",
    }
    cond = await env.wait_ready("externalsecrets", "app", ns)
    assert cond["reason"] == c.REASON_SECRET_SYNCED


async def test_a_parameter_deleted_in_aws_fails_the_sync_and_keeps_the_secret(env: Env) -> None:
    ssm = _parameters(env)
    await ssm.put("/gone/p", "v1")
    ns, store = await _parameter_store(env)
    await env.external_secret(
        ns,
        "app",
        store=store,
        store_kind="ClusterSecretStore",
        refresh="1s",
        data=[_item("value", "/gone/p")],
    )
    await env.wait_secret("app", ns, where=lambda s: _data(s) == {"value": b"v1"})
    await ssm.delete("/gone/p")
    cond = await env.wait_ready(
        "externalsecrets", "app", ns, status="False", reason=c.REASON_SECRET_SYNCED_ERROR
    )
    assert "spec.data[0] (key: /gone/p)" in cond["message"]
    assert "parameter not found" in cond["message"]
    secret = await env.get("secrets", "app", ns)
    assert secret is not None and _data(secret) == {"value": b"v1"}


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        pytest.param({"version": "7"}, "version not found", id="missing-version"),
        pytest.param({"property": "x"}, "StringList", id="stringlist-with-property"),
    ],
)
async def test_bad_references_fail_with_a_clear_condition_and_no_secret(
    env: Env, remote: dict[str, str], expected: str
) -> None:
    await _parameters(env).put("/bad/list", "a,b", type_="StringList")
    ns, store = await _parameter_store(env)
    await env.external_secret(
        ns,
        "app",
        store=store,
        store_kind="ClusterSecretStore",
        data=[_item("v", "/bad/list", **remote)],
    )
    cond = await env.wait_ready(
        "externalsecrets", "app", ns, status="False", reason=c.REASON_SECRET_SYNCED_ERROR
    )
    assert expected in cond["message"]
    assert "a,b" not in cond["message"]
    assert await env.get("secrets", "app", ns) is None


async def test_100_external_secrets_over_10_parameters_cold_sync_in_one_batch(env: Env) -> None:
    names = [f"/economy/p{i}" for i in range(10)]
    await _parameters(env).put_many({n: f"value-{n}" for n in names})
    ns, store = await _parameter_store(env)
    readers = {f"es-{i:03d}": names[i % 10] for i in range(100)}
    await env.stop_manager()
    await _bounded(
        [
            lambda es=es, key=key: env.external_secret(
                ns, es, store=store, store_kind="ClusterSecretStore", data=[_item("value", key)]
            )
            for es, key in readers.items()
        ]
    )
    await env.start_manager()
    await _wait_all_ready(env, ns, set(readers))

    listed = await env.raw.list("v1", "secrets", namespace=ns)
    secrets = {s["metadata"]["name"]: _data(s) for s in listed.get("items") or []}
    assert {es: secrets.get(es) for es in readers} == {
        es: {"value": f"value-{key}".encode()} for es, key in readers.items()
    }
    batches, singles = _calls(env, "GetParameters"), _calls(env, "GetParameter")
    print(f"100 ES / 10 parameters: {batches} GetParameters + {singles} GetParameter calls")
    assert batches <= 1
    assert singles == 0
