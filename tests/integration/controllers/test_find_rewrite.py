"""dataFrom find, rewrite and per-entry stores end to end: Manager, API server and moto.

Each test works in its own namespace (and suffixed cluster-scoped names), polls with deadlines
and never sleeps, so it runs unchanged against a real API server (ESO_TEST_KUBECONFIG).
"""

from __future__ import annotations

import base64
from typing import Any

from controller_env import Env

from eso.api import conditions as c
from localkube.pytest_cluster import wait_for

ES_API = "external-secrets.io/v1"


def _data(secret: dict[str, Any]) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}


async def _store_namespace(env: Env) -> str:
    ns = await env.cluster.create_namespace()
    await env.credentials(ns)
    await env.secret_store(ns)
    await env.wait_ready("secretstores", "aws-store", ns)
    return ns


async def _synced_data(env: Env, ns: str, name: str) -> dict[str, bytes]:
    await env.wait_ready("externalsecrets", name, ns)
    secret = await env.get("secrets", name, ns)
    assert secret is not None
    return _data(secret)


async def _failure(env: Env, ns: str, name: str) -> str:
    cond = await env.wait_ready(
        "externalsecrets", name, ns, status="False", reason=c.REASON_SECRET_SYNCED_ERROR
    )
    return cond.get("message", "")


async def test_find_by_name_regexp_syncs_every_match_under_esos_key_names(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({"app/db/user": "u", "app/db/pass": "p", "other/x": "x"})
    await env.external_secret(ns, "found", data_from=[{"find": {"name": {"regexp": "^app/"}}}])
    assert await _synced_data(env, ns, "found") == {"app_db_user": b"u", "app_db_pass": b"p"}


async def test_find_by_tags_with_decoding(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create("tagged", base64.b64encode(b"hello").decode(), tags={"team": "blue"})
    await env.aws.create("untagged", "x")
    find = {"tags": {"team": "blue"}, "decodingStrategy": "Base64"}
    await env.external_secret(ns, "by-tags", data_from=[{"find": find}])
    assert await _synced_data(env, ns, "by-tags") == {"tagged": b"hello"}


async def test_find_by_path_then_a_rewrite_chain(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({"svc/api/db-user": "u", "svc/api/db-pass": "p", "svc/web/x": "w"})
    entry = {
        "find": {"path": "svc/api/", "name": {"regexp": ".*"}},
        "rewrite": [
            {"regexp": {"source": "^svc/api/", "target": ""}},
            {"transform": {"template": '{{ .value | upper | replace "-" "_" }}'}},
        ],
    }
    await env.external_secret(ns, "chained", data_from=[entry])
    assert await _synced_data(env, ns, "chained") == {"DB_USER": b"u", "DB_PASS": b"p"}


async def test_a_rewrite_collision_fails_the_sync_and_keeps_the_secret(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create("blob", '{"db-user": "u", "db-pass": "p"}')
    await env.external_secret(ns, "clash", data_from=[{"extract": {"key": "blob"}}])
    assert await _synced_data(env, ns, "clash") == {"db-user": b"u", "db-pass": b"p"}

    rewrite = [{"regexp": {"source": "-.*", "target": ""}}]
    entry = {"extract": {"key": "blob"}, "rewrite": rewrite}
    patch = {"spec": {"dataFrom": [entry]}}
    await env.raw.patch(ES_API, "externalsecrets", "clash", patch, namespace=ns)
    message = await _failure(env, ns, "clash")
    assert 'regexp turned keys "db-pass", "db-user" into the same key "db"' in message
    assert message.startswith(c.MSG_ERROR_GET_SECRET_DATA)
    assert "error applying rewrite to keys" in message
    secret = await env.get("secrets", "clash", ns)
    assert secret is not None and _data(secret) == {"db-user": b"u", "db-pass": b"p"}


async def test_a_find_matching_nothing_retains_by_default(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({"a": "1"})
    await env.external_secret(ns, "none", data_from=[{"find": {"name": {"regexp": "^zzz"}}}])
    cond = await env.wait_ready("externalsecrets", "none", ns)
    assert cond["message"] == c.MSG_SYNCED_RETAIN
    assert await env.get("secrets", "none", ns) is None


async def test_a_find_matching_nothing_deletes_the_secret_with_deletion_policy_delete(
    env: Env,
) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({"gone/a": "1"})
    target = {"name": "vanishing", "deletionPolicy": "Delete"}
    find = [{"find": {"name": {"regexp": "^gone/"}}}]
    await env.external_secret(ns, "vanishing", refresh="1s", target=target, data_from=find)
    assert await _synced_data(env, ns, "vanishing") == {"gone_a": b"1"}
    await env.aws.delete("gone/a")

    async def deleted() -> bool:
        return await env.get("secrets", "vanishing", ns) is None

    await wait_for(deleted, timeout=20.0)
    await env.wait_ready("externalsecrets", "vanishing", ns, reason=c.REASON_SECRET_DELETED)


async def test_entries_read_from_their_own_secret_store_and_cluster_secret_store(
    env: Env,
) -> None:
    ns = await _store_namespace(env)
    await env.secret_store(ns, "second-store")
    cluster_store = await env.cluster_store("find-css", cred_namespace=ns)
    await env.wait_ready("secretstores", "second-store", ns)
    await env.wait_ready("clustersecretstores", cluster_store)
    await env.aws.create_many({"main": "m", "side": "s", "blob": '{"k": "v"}'})
    data = [
        {"secretKey": "main", "remoteRef": {"key": "main"}},
        {
            "secretKey": "side",
            "remoteRef": {"key": "side"},
            "sourceRef": {"storeRef": {"name": "second-store"}},
        },
    ]
    data_from = [
        {
            "extract": {"key": "blob"},
            "sourceRef": {"storeRef": {"name": cluster_store, "kind": "ClusterSecretStore"}},
        }
    ]
    await env.external_secret(ns, "multi", data=data, data_from=data_from)
    assert await _synced_data(env, ns, "multi") == {"main": b"m", "side": b"s", "k": b"v"}


async def test_a_missing_entry_store_fails_only_its_entry_by_name(env: Env) -> None:
    ns = await _store_namespace(env)
    await env.aws.create_many({"main": "m"})
    data = [
        {"secretKey": "main", "remoteRef": {"key": "main"}},
        {
            "secretKey": "side",
            "remoteRef": {"key": "side"},
            "sourceRef": {"storeRef": {"name": "no-such-store"}},
        },
    ]
    await env.external_secret(ns, "half", data=data)
    message = await _failure(env, ns, "half")
    assert (
        "error processing spec.data[1] (key: side), err: could not get SecretStore "
        '"no-such-store", not found'
    ) in message


async def test_an_entry_cluster_store_whose_conditions_deny_the_namespace_fails_its_entry(
    env: Env,
) -> None:
    ns = await _store_namespace(env)
    name = f"denying-{env.suffix}"
    spec = env.store_spec("awssm-secret", ns)
    spec["conditions"] = [{"namespaces": ["some-other-namespace"]}]
    body = {"apiVersion": ES_API, "kind": "ClusterSecretStore", "metadata": {"name": name}}
    await env.raw.create(ES_API, "clustersecretstores", {**body, "spec": spec})
    env.cluster_objects.append(("clustersecretstores", name))
    await env.aws.create_many({"main": "m"})
    data = [
        {"secretKey": "main", "remoteRef": {"key": "main"}},
        {
            "secretKey": "side",
            "remoteRef": {"key": "main"},
            "sourceRef": {"storeRef": {"name": name, "kind": "ClusterSecretStore"}},
        },
    ]
    await env.external_secret(ns, "denied", data=data)
    message = await _failure(env, ns, "denied")
    assert f'spec.data[1] (key: main), err: using cluster store "{name}" is not allowed' in message
    assert await env.get("secrets", "denied", ns) is None
