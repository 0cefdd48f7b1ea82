"""The managed Secret's life: garbage collection, orphaning, repair after hand edits."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from controller_env import ES_API, Env

from eso.api import conditions as c
from localkube.pytest_cluster import wait_for

DATA = [{"secretKey": "password", "remoteRef": {"key": "db"}}]


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with a Ready SecretStore and the AWS secret ``db`` = ``s3cr3t``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.aws.create("db", "s3cr3t")
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def _gone(env: Env, name: str, ns: str) -> bool:
    return await env.get("secrets", name, ns) is None


async def test_deleting_an_owner_external_secret_garbage_collects_its_secret(
    env: Env, ns: str
) -> None:
    await env.external_secret(ns, "app", data=DATA)
    await env.wait_secret("app", ns)
    await env.raw.delete(ES_API, "externalsecrets", "app", namespace=ns)
    await wait_for(lambda: _gone(env, "app", ns), timeout=30.0)


async def test_deleting_an_orphan_external_secret_keeps_its_secret(env: Env, ns: str) -> None:
    target = {"name": "kept", "creationPolicy": "Orphan"}
    await env.external_secret(ns, "app", target=target, data=DATA)
    secret = await env.wait_secret("kept", ns)
    assert "ownerReferences" not in secret["metadata"]

    await env.raw.delete(ES_API, "externalsecrets", "app", namespace=ns)
    await wait_for(lambda: _es_gone(env, ns), timeout=10.0)
    assert await env.get("secrets", "kept", ns) is not None


async def _es_gone(env: Env, ns: str) -> bool:
    return await env.get("externalsecrets", "app", ns) is None


async def test_secret_is_restored_after_manual_delete(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", data=DATA)
    first = await env.wait_secret("app", ns)
    await env.raw.delete("v1", "secrets", "app", namespace=ns)

    restored = await env.wait_secret(
        "app", ns, where=lambda s: s["metadata"]["uid"] != first["metadata"]["uid"]
    )
    assert _data(restored) == {"password": b"s3cr3t"}


async def test_secret_is_restored_after_manual_edit(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", data=DATA)
    await env.wait_secret("app", ns)
    tampered = base64.b64encode(b"tampered").decode()
    await env.raw.patch("v1", "secrets", "app", {"data": {"password": tampered}}, namespace=ns)

    secret = await env.wait_secret("app", ns, where=lambda s: _data(s)["password"] == b"s3cr3t")
    assert secret["metadata"]["labels"][c.LABEL_MANAGED] == "true"


async def test_merge_into_a_missing_secret_is_reported_not_created(env: Env, ns: str) -> None:
    await env.external_secret(
        ns, "app", target={"name": "app", "creationPolicy": "Merge"}, data=DATA
    )
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert (cond["reason"], cond["message"]) == (c.REASON_SECRET_MISSING, c.MSG_MISSING)
    assert await env.get("secrets", "app", ns) is None


async def test_merge_keeps_the_existing_keys(env: Env, ns: str) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "shared", "namespace": ns},
            "stringData": {"other": "theirs"}}  # fmt: skip
    await env.raw.create("v1", "secrets", body, namespace=ns)
    await env.external_secret(
        ns, "app", target={"name": "shared", "creationPolicy": "Merge"}, data=DATA
    )
    secret = await env.wait_secret(
        "shared", ns, where=lambda s: "password" in (s.get("data") or {})
    )
    assert _data(secret) == {"other": b"theirs", "password": b"s3cr3t"}
    assert "ownerReferences" not in secret["metadata"]


async def test_unimplemented_fields_get_a_clear_condition(env: Env, ns: str) -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap"}
    await env.external_secret(ns, "app", data=DATA, target={"name": "app", "manifest": manifest})
    cond = await env.wait_ready("externalsecrets", "app", ns, status="False")
    assert "not implemented" in cond["message"]
    assert "spec.target.manifest" in cond["message"]


async def test_delete_policy_deletes_the_secret_when_the_provider_data_is_gone(
    env: Env, ns: str
) -> None:
    target = {"name": "app", "deletionPolicy": "Delete"}
    await env.external_secret(ns, "app", refresh="1s", target=target, data=DATA)
    await env.wait_secret("app", ns)
    await env.aws.delete("db")

    cond = await env.wait_ready("externalsecrets", "app", ns, reason=c.REASON_SECRET_DELETED)
    assert cond["message"] == c.MSG_DELETED
    await wait_for(lambda: _gone(env, "app", ns), timeout=10.0)


async def test_events_and_metrics_follow_the_external_secret(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", data=DATA)
    await env.wait_secret("app", ns)

    async def created_event() -> bool:
        events = await env.raw.list("v1", "events", namespace=ns)
        return any(
            e.get("reason") == c.EVENT_REASON_CREATED
            and e.get("involvedObject", {}).get("name") == "app"
            for e in events.get("items", [])
        )

    await wait_for(created_event, timeout=10.0)
    labels = {"name": "app", "namespace": ns, "condition": "Ready"}
    sample = env.metrics.registry.get_sample_value
    assert sample("externalsecret_status_condition", {**labels, "status": "True"}) == 1
    assert sample("externalsecret_status_condition", {**labels, "status": "False"}) == 0
    assert (sample("externalsecret_sync_calls_total", {"name": "app", "namespace": ns}) or 0) >= 1

    await env.raw.delete(ES_API, "externalsecrets", "app", namespace=ns)

    async def series_removed() -> bool:
        value = sample("externalsecret_status_condition", {**labels, "status": "True"})
        return value is None

    await wait_for(series_removed, timeout=10.0)


async def test_renaming_the_target_deletes_the_old_owned_secret(env: Env, ns: str) -> None:
    await env.external_secret(ns, "app", data=DATA)
    await env.wait_secret("app", ns)
    patch = {"spec": {"target": {"name": "renamed"}}}
    await env.raw.patch(ES_API, "externalsecrets", "app", patch, namespace=ns)

    await env.wait_secret("renamed", ns)
    await wait_for(lambda: _gone(env, "app", ns), timeout=10.0)


async def test_esos_finalizer_is_honoured_and_released(env: Env, ns: str) -> None:
    """An ExternalSecret still carrying ESO's finalizer (migration) is cleaned up, not stuck."""
    target = {"name": "app", "deletionPolicy": "Delete"}
    await env.external_secret(ns, "app", target=target, data=DATA)
    await env.wait_secret("app", ns)
    patch = {"metadata": {"finalizers": [c.FINALIZER_EXTERNAL_SECRET]}}
    await env.raw.patch(ES_API, "externalsecrets", "app", patch, namespace=ns)

    await env.raw.delete(ES_API, "externalsecrets", "app", namespace=ns)
    await wait_for(lambda: _es_gone(env, ns), timeout=10.0)
    await wait_for(lambda: _gone(env, "app", ns), timeout=10.0)
