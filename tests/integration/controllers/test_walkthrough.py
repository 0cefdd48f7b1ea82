"""The seed walkthrough end to end: a ClusterSecretStore on Secrets Manager, an ExternalSecret in
another namespace extracting a JSON secret, the Secret it produces."""

from __future__ import annotations

import base64
import json

import structlog
from controller_env import Env

from eso.api import conditions as c
from eso.api.hashing import data_hash


def _decoded(secret: dict[str, object]) -> dict[str, bytes]:
    data = secret.get("data") or {}
    assert isinstance(data, dict)
    return {k: base64.b64decode(v) for k, v in data.items()}


async def test_walkthrough_cluster_store_extract_creates_the_secret(env: Env) -> None:
    """Store validated, ExternalSecret SecretSynced, Secret with the AWS JSON's keys."""
    with structlog.testing.capture_logs() as logs:
        await _walkthrough(env)
    assert logs, "the controller logged nothing"
    assert "hunter2" not in repr(logs)


async def _walkthrough(env: Env) -> None:
    app = {"username": "allfunds", "password": "hunter2", "port": 5432}
    await env.aws.create("app-secret", app)
    creds_ns = await env.cluster.create_namespace("eso-creds-")
    es_ns = await env.cluster.create_namespace("allfunds-")
    await env.credentials(creds_ns)
    store = await env.cluster_store("global-secret-store", cred_namespace=creds_ns)

    cond = await env.wait_ready("clustersecretstores", store)
    assert (cond["reason"], cond["message"]) == (c.REASON_STORE_VALID, c.MSG_STORE_VALIDATED)
    css = await env.get("clustersecretstores", store)
    # What ESO reports for AWS: eso reads from it and PushSecrets write to it.
    assert css is not None and css["status"]["capabilities"] == "ReadWrite"

    es = await env.external_secret(
        es_ns,
        "allfunds-secret",
        store=store,
        store_kind="ClusterSecretStore",
        refresh="1m",
        target={"name": "allfunds-secret"},
        data_from=[{"extract": {"key": "app-secret"}}],
    )
    cond = await env.wait_ready("externalsecrets", "allfunds-secret", es_ns)
    assert (cond["reason"], cond["message"]) == (c.REASON_SECRET_SYNCED, c.MSG_SYNCED)

    secret = await env.wait_secret("allfunds-secret", es_ns)
    want = {"username": b"allfunds", "password": b"hunter2", "port": b"5432"}
    assert _decoded(secret) == want
    meta = secret["metadata"]
    assert meta["labels"][c.LABEL_MANAGED] == "true"
    assert meta["annotations"][c.ANNOTATION_DATA_HASH] == data_hash(want)
    (owner,) = meta["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "ExternalSecret", "allfunds-secret", es["metadata"]["uid"], True,
    )  # fmt: skip

    status = (await env.get("externalsecrets", "allfunds-secret", es_ns) or {})["status"]
    assert status["binding"] == {"name": "allfunds-secret"}
    assert status["refreshTime"]
    assert status["syncedResourceVersion"].startswith("1-")
    assert "hunter2" not in json.dumps(status)
    events = await env.raw.list("v1", "events", namespace=es_ns)
    assert "hunter2" not in json.dumps(events)
