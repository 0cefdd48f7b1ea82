"""PushSecrets with ``dataTo`` end to end (moto): a bundle of matched keys as one JSON secret,
per-key secrets under rewritten names that follow the source's keys, and a rule naming a store
outside ``secretStoreRefs`` reported with nothing pushed."""

from __future__ import annotations

import json

import pytest
from controller_env import Env
from test_push_secret import push_secret, ready, remote, source, wait_ps

from eso.api import pushconditions as pc
from localkube.pytest_cluster import wait_for


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with working credentials and a Ready SecretStore ``aws-store``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def test_a_bundle_pushes_the_matched_keys_as_one_json_secret(env: Env, ns: str) -> None:
    await source(env, ns, DB_HOST="db.local", DB_USER="app", API_TOKEN="t0k")
    rule = {"storeRef": {"name": "aws-store"}, "remoteKey": f"{ns}/db", "match": {"regexp": "^DB_"}}
    await push_secret(env, ns, data=[], dataTo=[rule])
    obj = await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    got = await remote(env, f"{ns}/db")
    assert got is not None
    assert json.loads(got["SecretBinary"]) == {"DB_HOST": "db.local", "DB_USER": "app"}
    assert list(obj["status"]["syncedPushSecrets"]["SecretStore/aws-store"]) == [f"{ns}/db"]


async def test_per_key_secrets_follow_the_source_keys(env: Env, ns: str) -> None:
    await source(env, ns, DB_HOST="db.local", DB_USER="app")
    rule = {
        "storeRef": {"name": "aws-store"},
        "rewrite": [{"regexp": {"source": "^DB_(.*)$", "target": f"{ns}/db-$1"}}],
    }
    await push_secret(env, ns, data=[], dataTo=[rule], deletionPolicy="Delete", refresh="1s")
    await wait_ps(env, ns, reason=pc.REASON_SYNCED)
    assert (await remote(env, f"{ns}/db-HOST") or {}).get("SecretBinary") == b"db.local"
    assert (await remote(env, f"{ns}/db-USER") or {}).get("SecretBinary") == b"app"

    current = await env.raw.get("v1", "secrets", "app-src", namespace=ns)
    del current["data"]["DB_USER"]
    await env.raw.update("v1", "secrets", current, namespace=ns)

    async def user_deleted() -> bool:
        got = await remote(env, f"{ns}/db-USER")
        return got is None or got.get("deleted") is True

    await wait_for(user_deleted, timeout=20.0)
    assert (await remote(env, f"{ns}/db-HOST") or {}).get("SecretBinary") == b"db.local"


async def test_a_rule_for_an_unlisted_store_is_reported_and_nothing_pushed(
    env: Env, ns: str
) -> None:
    await source(env, ns, DB_HOST="db.local")
    rule = {"storeRef": {"name": "elsewhere"}, "remoteKey": f"{ns}/nowhere"}
    await push_secret(env, ns, data=[], dataTo=[rule])
    obj = await wait_ps(env, ns, status="False", reason=pc.REASON_ERRORED)
    assert 'dataTo[0]: storeRef "elsewhere" not found in secretStoreRefs' in ready(obj)["message"]
    assert await remote(env, f"{ns}/nowhere") is None
