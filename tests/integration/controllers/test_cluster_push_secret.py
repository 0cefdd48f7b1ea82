"""ClusterPushSecrets end to end: one PushSecret per selected namespace, pushed to moto, with
ESO's status (provisioned and failed namespaces, Ready)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from controller_env import Env

from eso.api import pushconditions as pc
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError

PS_API = "external-secrets.io/v1alpha1"


async def label(env: Env, ns: str, labels: dict[str, str | None]) -> None:
    await env.raw.patch("v1", "namespaces", ns, {"metadata": {"labels": labels}})


async def prepared_namespace(env: Env, selector: str) -> str:
    """A namespace with a Ready store, a source Secret and the test's selector label."""
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "source-secret", "namespace": ns},
        "stringData": {"token": "t0k3n"},
    }
    await env.raw.create("v1", "secrets", body, namespace=ns)
    await label(env, ns, {"cps-test": selector})
    return ns


@pytest.fixture
async def cps(env: Env) -> AsyncIterator[str]:
    """The name of this test's ClusterPushSecret (deleted afterwards)."""
    name = f"cps-{env.suffix}"
    yield name
    await env.cluster.delete_and_wait(PS_API, "clusterpushsecrets", name)


async def create_cps(env: Env, name: str, *, selector: str, remote: str) -> None:
    body = {
        "apiVersion": PS_API,
        "kind": "ClusterPushSecret",
        "metadata": {"name": name},
        "spec": {
            "pushSecretName": "pushed",
            "pushSecretMetadata": {"labels": {"team": "a"}},
            "namespaceSelectors": [{"matchLabels": {"cps-test": selector}}],
            "refreshTime": "1m",
            "pushSecretSpec": {
                "refreshInterval": "1h",
                "secretStoreRefs": [{"name": "aws-store", "kind": "SecretStore"}],
                "selector": {"secret": {"name": "source-secret"}},
                "data": [{"match": {"secretKey": "token", "remoteRef": {"remoteKey": remote}}}],
            },
        },
    }
    await env.raw.create(PS_API, "clusterpushsecrets", body)


async def status_where(env: Env, name: str, check: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        obj = await env.raw.get(PS_API, "clusterpushsecrets", name)
        status = obj.get("status") or {}
        return status if check(status) else None

    return await wait_for(probe, timeout=30.0)


async def child(env: Env, ns: str) -> dict[str, Any] | None:
    try:
        return await env.raw.get(PS_API, "pushsecrets", "pushed", namespace=ns)
    except ApiStatusError as e:
        if e.status == 404:
            return None
        raise


def ready(status: dict[str, Any]) -> str | None:
    return next((c["status"] for c in status.get("conditions") or [] if c["type"] == "Ready"), None)


async def test_a_push_secret_is_stamped_into_every_selected_namespace(env: Env, cps: str) -> None:
    selector, remote = env.suffix, f"cps/{env.suffix}/token"
    first = await prepared_namespace(env, selector)
    second = await prepared_namespace(env, selector)
    await create_cps(env, cps, selector=selector, remote=remote)
    want = sorted([first, second])
    status = await status_where(
        env, cps, lambda s: s.get("provisionedNamespaces") == want and ready(s) == "True"
    )
    assert status["pushSecretName"] == "pushed"
    assert status.get("failedNamespaces", []) == []
    for ns in want:
        obj = await child(env, ns)
        assert obj is not None
        assert obj["metadata"]["labels"] == {"team": "a"}
        owner = obj["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"]) == (
            "ClusterPushSecret",
            cps,
            True,
        )

    async def pushed() -> bool:
        async with env.aws.client() as sm:
            try:
                got = await sm.get_secret_value(SecretId=remote)
            except sm.exceptions.ResourceNotFoundException:
                return False
        return bool(got.get("SecretBinary") == b"t0k3n")

    await wait_for(pushed, timeout=30.0)

    await label(env, second, {"cps-test": None})
    await status_where(env, cps, lambda s: s.get("provisionedNamespaces") == [first])
    await wait_for(lambda: _gone(env, second), timeout=30.0)


async def test_a_foreign_push_secret_of_that_name_is_reported_not_replaced(
    env: Env, cps: str
) -> None:
    selector = env.suffix
    ns = await prepared_namespace(env, selector)
    theirs = {
        "apiVersion": PS_API,
        "kind": "PushSecret",
        "metadata": {"name": "pushed", "namespace": ns},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRefs": [{"name": "aws-store"}],
            "selector": {"secret": {"name": "source-secret"}},
            "data": [],
        },
    }
    await env.raw.create(PS_API, "pushsecrets", theirs, namespace=ns)
    await create_cps(env, cps, selector=selector, remote=f"cps/{env.suffix}/x")
    status = await status_where(env, cps, lambda s: ready(s) == "False")
    assert status["failedNamespaces"] == [{"namespace": ns, "reason": pc.ERR_CPS_CHILD_EXISTS}]
    cond = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert cond["message"] == pc.MSG_CPS_NAMESPACES_FAILED
    obj = await child(env, ns)
    assert obj is not None and not obj["metadata"].get("ownerReferences")


async def _gone(env: Env, ns: str) -> bool:
    return await child(env, ns) is None
