"""PushSecrets end to end: a Kubernetes Secret pushed to Secrets Manager (moto) by the running
controller, with ESO's status, ownership rule, update and deletion policies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import structlog
from controller_env import Env

from eso.api import pushconditions as pc
from eso.api.pushsecret import FINALIZER
from localkube.pytest_cluster import wait_for
from localkube.rawclient import ApiStatusError

PS_API = "external-secrets.io/v1alpha1"


def data_entry(key: str, remote: str, prop: str = "", **extra: Any) -> dict[str, Any]:
    ref = {"remoteKey": remote, "property": prop}
    return {"match": {"secretKey": key, "remoteRef": ref}, **extra}


async def source(env: Env, ns: str, name: str = "app-src", **values: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": ns, "labels": {"push": "yes"}},
        "stringData": values,
    }
    try:
        await env.raw.create("v1", "secrets", body, namespace=ns)
    except ApiStatusError as e:
        if e.status != 409:
            raise
        current = await env.raw.get("v1", "secrets", name, namespace=ns)
        current["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
        await env.raw.update("v1", "secrets", current, namespace=ns)


async def push_secret(
    env: Env,
    ns: str,
    name: str = "push",
    *,
    data: list[dict[str, Any]],
    refresh: str = "1h",
    selector: dict[str, Any] | None = None,
    stores: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> None:
    body = {
        "apiVersion": PS_API,
        "kind": "PushSecret",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "refreshInterval": refresh,
            "secretStoreRefs": stores or [{"name": "aws-store", "kind": "SecretStore"}],
            "selector": selector or {"secret": {"name": "app-src"}},
            "data": data,
            **spec,
        },
    }
    await env.raw.create(PS_API, "pushsecrets", body, namespace=ns)


async def get_ps(env: Env, ns: str, name: str = "push") -> dict[str, Any] | None:
    try:
        return await env.raw.get(PS_API, "pushsecrets", name, namespace=ns)
    except ApiStatusError as e:
        if e.status == 404:
            return None
        raise


async def wait_ps(
    env: Env, ns: str, name: str = "push", *, status: str = "True", reason: str | None = None
) -> dict[str, Any]:
    """The PushSecret once its Ready condition has ``status`` (and ``reason``)."""

    async def probe() -> dict[str, Any] | None:
        obj = await get_ps(env, ns, name)
        for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
            wanted = reason is None or cond.get("reason") == reason
            if cond["type"] == "Ready" and cond["status"] == status and wanted:
                return obj
        return None

    return await wait_for(probe, timeout=20.0)


def ready(obj: dict[str, Any]) -> dict[str, str]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")


async def remote(env: Env, name: str) -> dict[str, Any] | None:
    async with env.aws.client() as sm:
        try:
            resp: dict[str, Any] = await sm.get_secret_value(SecretId=name)
        except sm.exceptions.ResourceNotFoundException:
            return None
        except sm.exceptions.InvalidRequestException:
            return {"deleted": True}
    return resp


async def wait_remote(env: Env, name: str, want: bytes) -> None:
    async def probe() -> bool:
        got = await remote(env, name)
        return got is not None and got.get("SecretBinary") == want

    await wait_for(probe, timeout=20.0)


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with working credentials and a Ready SecretStore ``aws-store``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def test_a_secret_is_pushed_and_the_status_records_where(env: Env, ns: str) -> None:
    remote_key = f"{ns}/db"
    await source(env, ns, password="s3cr3t")
    await push_secret(env, ns, data=[data_entry("password", remote_key)])
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert ready(obj)["message"] == pc.MSG_SYNCED
    synced = obj["status"]["syncedPushSecrets"]
    assert list(synced) == ["SecretStore/aws-store"]
    assert synced["SecretStore/aws-store"][remote_key]["match"]["secretKey"] == "password"
    assert obj["status"]["refreshTime"]
    assert (await remote(env, remote_key) or {})["SecretBinary"] == b"s3cr3t"
    store = await env.get("secretstores", "aws-store", ns)
    assert (store or {})["status"]["capabilities"] == "ReadWrite"
    labels = {"name": "push", "namespace": ns, "condition": "Ready", "status": "True"}
    assert env.metrics.registry.get_sample_value("pushsecret_status_condition", labels) == 1


async def test_a_changed_source_is_pushed_on_the_next_refresh(env: Env, ns: str) -> None:
    remote_key = f"{ns}/rotating"
    await source(env, ns, password="v1")
    await push_secret(env, ns, refresh="1s", data=[data_entry("password", remote_key)])
    await wait_remote(env, remote_key, b"v1")
    await source(env, ns, password="v2")
    await wait_remote(env, remote_key, b"v2")


async def test_a_remote_secret_someone_else_owns_is_not_overwritten(env: Env, ns: str) -> None:
    remote_key = f"{ns}/theirs"
    await env.aws.create(remote_key, "their value")
    await source(env, ns, password="mine")
    await push_secret(env, ns, data=[data_entry("password", remote_key)])
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    assert "not managed by external-secrets" in ready(obj)["message"]
    assert (await remote(env, remote_key) or {})["SecretString"] == "their value"
    events = (await env.raw.list("v1", "events", namespace=ns)).get("items", [])
    assert any(e["reason"] == pc.REASON_ERRORED and e["type"] == "Warning" for e in events)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        pytest.param("secret", pc.ERR_GET_SOURCE, id="source-secret"),
        pytest.param("key", "secret key password does not exist", id="source-key"),
    ],
)
async def test_a_missing_source_is_reported_and_nothing_is_written(
    env: Env, ns: str, missing: str, message: str
) -> None:
    remote_key = f"{ns}/never"
    if missing == "key":
        await source(env, ns, other="x")
    await push_secret(env, ns, data=[data_entry("password", remote_key)])
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    assert message in ready(obj)["message"]
    assert await remote(env, remote_key) is None


async def test_if_not_exists_keeps_an_existing_remote_value(env: Env, ns: str) -> None:
    remote_key = f"{ns}/seeded"
    await env.aws.create(remote_key, "seeded", tags={"managed-by": "external-secrets"})
    await source(env, ns, password="new")
    await push_secret(
        env, ns, data=[data_entry("password", remote_key)], updatePolicy="IfNotExists"
    )
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert ready(obj)["message"] == pc.MSG_SYNCED_IF_NOT_EXISTS
    assert (await remote(env, remote_key) or {})["SecretString"] == "seeded"


async def test_deletion_policy_delete_cleans_up_remotes_it_pushed(env: Env, ns: str) -> None:
    first, second = f"{ns}/first", f"{ns}/second"
    await source(env, ns, password="v")
    await push_secret(env, ns, data=[data_entry("password", first)], deletionPolicy="Delete")
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert FINALIZER in obj["metadata"]["finalizers"]
    assert await remote(env, first) is not None

    patch = {"spec": {"data": [data_entry("password", second)]}}
    await env.raw.patch(PS_API, "pushsecrets", "push", patch, namespace=ns)
    await wait_remote(env, second, b"v")
    await wait_for(lambda: _deleted(env, first), timeout=20.0)

    await env.raw.delete(PS_API, "pushsecrets", "push", namespace=ns)
    await wait_for(lambda: _gone(env, ns), timeout=20.0)
    assert await _deleted(env, second)


async def test_deletion_policy_none_leaves_remotes_behind(env: Env, ns: str) -> None:
    remote_key = f"{ns}/kept"
    await source(env, ns, password="v")
    await push_secret(env, ns, data=[data_entry("password", remote_key)])
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert FINALIZER not in (obj["metadata"].get("finalizers") or [])
    await env.raw.delete(PS_API, "pushsecrets", "push", namespace=ns)
    await wait_for(lambda: _gone(env, ns), timeout=20.0)
    assert (await remote(env, remote_key) or {}).get("SecretBinary") == b"v"


async def test_template_and_property_shape_what_is_pushed(env: Env, ns: str) -> None:
    remote_key = f"{ns}/templated"
    await source(env, ns, user="admin")
    template = {"data": {"user": "{{ .user | upper }}", "dsn": "db://{{ .user }}@host"}}
    await push_secret(
        env,
        ns,
        data=[data_entry("user", remote_key, "db.user"), data_entry("dsn", remote_key, "dsn")],
        template=template,
    )
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    got = await remote(env, remote_key) or {}
    assert got["SecretBinary"] == b'{"db":{"user":"ADMIN"},"dsn":"db://admin@host"}'


async def test_label_selected_source_and_store(env: Env, ns: str) -> None:
    remote_key = f"{ns}/selected"
    await source(env, ns, password="picked")
    labels = {"metadata": {"labels": {"push-target": "yes"}}}
    await env.raw.patch("external-secrets.io/v1", "secretstores", "aws-store", labels, namespace=ns)
    await push_secret(
        env,
        ns,
        data=[data_entry("password", remote_key)],
        selector={"secret": {"selector": {"matchLabels": {"push": "yes"}}}},
        stores=[{"labelSelector": {"matchLabels": {"push-target": "yes"}}, "kind": "SecretStore"}],
    )
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert list(obj["status"]["syncedPushSecrets"]) == ["SecretStore/aws-store"]
    assert (await remote(env, remote_key) or {})["SecretBinary"] == b"picked"


async def _deleted(env: Env, name: str) -> bool:
    got = await remote(env, name)
    return got is None or got.get("deleted") is True


async def _gone(env: Env, ns: str) -> bool:
    return await get_ps(env, ns) is None


async def test_a_secret_is_pushed_to_parameter_store(env: Env, ns: str) -> None:
    spec = env.store_spec("awssm-secret", None)
    spec["provider"]["aws"]["service"] = "ParameterStore"
    body = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "SecretStore",
        "metadata": {"name": "ssm-store", "namespace": ns},
        "spec": spec,
    }
    await env.raw.create("external-secrets.io/v1", "secretstores", body, namespace=ns)
    await env.wait_ready("secretstores", "ssm-store", ns)
    name = f"/{ns}/param"
    await source(env, ns, password="p1")
    meta = {
        "apiVersion": "kubernetes.external-secrets.io/v1alpha1",
        "kind": "PushSecretMetadata",
        "spec": {"secretType": "SecureString"},
    }
    await push_secret(
        env,
        ns,
        data=[data_entry("password", name, metadata=meta)],
        stores=[{"name": "ssm-store"}],
    )
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert list(obj["status"]["syncedPushSecrets"]) == ["SecretStore/ssm-store"]
    async with env.aws.client("ssm") as ssm:
        got = await ssm.get_parameter(Name=name, WithDecryption=True)
    assert (got["Parameter"]["Value"], got["Parameter"]["Type"]) == ("p1", "SecureString")


async def test_a_remote_taken_over_by_someone_else_is_not_deleted(env: Env, ns: str) -> None:
    remote_key = f"{ns}/handed-over"
    await source(env, ns, password="v")
    await push_secret(env, ns, data=[data_entry("password", remote_key)], deletionPolicy="Delete")
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    async with env.aws.client() as sm:
        await sm.untag_resource(SecretId=remote_key, TagKeys=["managed-by"])
    await env.raw.delete(PS_API, "pushsecrets", "push", namespace=ns)
    await wait_for(lambda: _gone(env, ns), timeout=20.0)
    assert (await remote(env, remote_key) or {}).get("SecretBinary") == b"v"


async def test_a_failed_deletion_keeps_the_finalizer_and_deletes_nothing(env: Env, ns: str) -> None:
    """The store's credentials go away after the push, so deleting the remote fails."""
    await env.credentials(ns, "doomed-creds")
    body = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "SecretStore",
        "metadata": {"name": "doomed", "namespace": ns},
        "spec": env.store_spec("doomed-creds", None),
    }
    await env.raw.create("external-secrets.io/v1", "secretstores", body, namespace=ns)
    await env.wait_ready("secretstores", "doomed", ns)
    remote_key = f"{ns}/stays"
    await source(env, ns, password="v")
    await push_secret(
        env,
        ns,
        data=[data_entry("password", remote_key)],
        stores=[{"name": "doomed"}],
        deletionPolicy="Delete",
    )
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    await env.raw.delete("v1", "secrets", "doomed-creds", namespace=ns)
    await env.raw.delete(PS_API, "pushsecrets", "push", namespace=ns)
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    assert "SecretStore 'doomed' is not ready" in ready(obj)["message"]
    assert FINALIZER in obj["metadata"]["finalizers"]
    assert (await remote(env, remote_key) or {}).get("SecretBinary") == b"v"

    patch = {"spec": {"deletionPolicy": "None"}}
    await env.raw.patch(PS_API, "pushsecrets", "push", patch, namespace=ns)
    await wait_for(lambda: _gone(env, ns), timeout=20.0)
    assert (await remote(env, remote_key) or {}).get("SecretBinary") == b"v"


async def test_pushed_values_never_reach_status_events_or_logs(env: Env, ns: str) -> None:
    canary = "push-LEAK-canary-3b9d"
    await env.aws.create(f"{ns}/foreign", "someone else's")
    await env.aws.create(f"{ns}/not-json", "plain", tags={"managed-by": "external-secrets"})
    await source(env, ns, password=canary)
    with structlog.testing.capture_logs() as logs:
        await push_secret(env, ns, "ok", data=[data_entry("password", f"{ns}/ok")])
        await push_secret(env, ns, "foreign", data=[data_entry("password", f"{ns}/foreign")])
        bad = [data_entry("password", f"{ns}/not-json", "field")]
        await push_secret(env, ns, "not-json", data=bad)
        await wait_ps(env, ns, "ok", reason=pc.REASON_SYNCED)
        await wait_ps(env, ns, "foreign", status="False")
        obj = await wait_ps(env, ns, "not-json", status="False")
    assert "requires a json secret" in ready(obj)["message"]
    objects = await env.raw.list(PS_API, "pushsecrets", namespace=ns)
    events = await env.raw.list("v1", "events", namespace=ns)
    seen = json.dumps([objects, events]) + repr(logs)
    for form in (canary, base64.b64encode(canary.encode()).decode()):
        assert form not in seen


async def test_cold_start_waits_for_a_new_store_instead_of_reporting_it_not_ready(
    env: Env,
) -> None:
    """PushSecrets created with their store, then a cold start: none reports the store "not
    ready" while it awaits its first validation (no condition, no event); all push once the
    store's first Ready write wakes them."""
    ns = await env.cluster.create_namespace()
    names = [f"push-{i}" for i in range(10)]
    await env.stop_manager()
    await env.credentials(ns)
    await env.secret_store(ns)
    await source(env, ns, password="pw")
    for i, name in enumerate(names):
        await push_secret(env, ns, name, data=[data_entry("password", f"{ns}/pushed-{i}")])
    await env.start_manager()

    async def all_pushed() -> bool:
        listed = await env.raw.list(PS_API, "pushsecrets", namespace=ns)
        for item in listed.get("items") or []:
            for cond in (item.get("status") or {}).get("conditions") or []:
                assert "is not ready" not in cond.get("message", ""), cond
        done = [item for item in listed.get("items") or [] if _ready_true(item)]
        return len(done) == len(names)

    await wait_for(all_pushed, timeout=30.0)
    await wait_remote(env, f"{ns}/pushed-0", b"pw")
    events = await env.raw.list("v1", "events", namespace=ns)
    assert all("is not ready" not in e.get("message", "") for e in events.get("items") or [])


def _ready_true(obj: dict[str, Any]) -> bool:
    conds = (obj.get("status") or {}).get("conditions") or []
    return any(c_.get("type") == "Ready" and c_.get("status") == "True" for c_ in conds)
