"""A change inside the minimum interval rolls at its end, with no other reason to reconcile.

The ExternalSecret refreshes hourly and syncs only on a force-sync annotation, so the only
thing that can bring it back after the interval is the requeue the deferred rollout asks for.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from controller_env import ES_API, Env

from eso.api import conditions as c
from eso.controllers.rollout import messages as m
from eso.controllers.rollout.podhash import annotation_key, data_hmac
from eso.settings import ControllerSettings
from localkube.pytest_cluster import wait_for

# Long enough that the two force-syncs below land inside it even on a loaded machine.
MIN_INTERVAL = 8.0
HASH_KEY = annotation_key("app")


@pytest.fixture
def controller_settings() -> ControllerSettings:
    return ControllerSettings(
        concurrent=4,
        refresh_jitter=0.0,
        store_requeue_interval=2.0,
        rollout_on_change=True,
        rollout_min_interval=MIN_INTERVAL,
    )


@pytest.fixture
async def ns(env: Env) -> str:
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.aws.create("db", "v1")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.9"}]},
            },
        },
    }
    await env.raw.create("apps/v1", "deployments", deployment, namespace=name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


async def _template_hash(env: Env, ns: str) -> str | None:
    deployment = await env.raw.get("apps/v1", "deployments", "api", namespace=ns)
    value = (deployment["spec"]["template"].get("metadata", {}).get("annotations") or {}).get(
        HASH_KEY
    )
    return value if isinstance(value, str) else None


async def _force_sync_to(env: Env, ns: str, value: bytes) -> None:
    """Rotate the AWS value and force a sync; wait until the Secret holds it."""
    await env.aws.put("db", value.decode())
    stamp = {c.ANNOTATION_FORCE_SYNC: str(time.time_ns())}
    await env.raw.patch(
        ES_API, "externalsecrets", "app", {"metadata": {"annotations": stamp}}, namespace=ns
    )

    def holds(secret: dict[str, Any]) -> bool:
        return base64.b64decode((secret.get("data") or {}).get("password", "")) == value

    await env.wait_secret("app", ns, where=holds)


async def test_a_change_inside_the_interval_rolls_at_its_end_with_the_latest_data(
    env: Env, ns: str
) -> None:
    body = {
        "apiVersion": ES_API,
        "kind": "ExternalSecret",
        "metadata": {
            "name": "app",
            "namespace": ns,
            "annotations": {m.ANNOTATION_ROLLOUT_ON_CHANGE: "deployment/api"},
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "aws-store", "kind": "SecretStore"},
            "target": {"name": "app"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "db"}}],
        },
    }
    await env.raw.create(ES_API, "externalsecrets", body, namespace=ns)
    await env.wait_ready("externalsecrets", "app", ns)

    await _force_sync_to(env, ns, b"v2")
    first = await wait_for(lambda: _template_hash(env, ns), timeout=20.0)
    await _force_sync_to(env, ns, b"v3")
    await _force_sync_to(env, ns, b"v4")

    async def deferred() -> bool:
        sample = env.metrics.registry.get_sample_value
        return (sample("eso_rollout_total", {"result": "deferred"}) or 0) >= 1

    await wait_for(deferred, timeout=10.0)

    async def rolled_again() -> str | None:
        value = await _template_hash(env, ns)
        return value if value not in (None, first) else None

    second = await wait_for(rolled_again, timeout=MIN_INTERVAL + 20.0)
    await env.wait_ready("externalsecrets", "app", ns)

    # The deferred rollout carried the latest data (v4), not the change it deferred (v3).
    secret = await env.get("secrets", "app", ns)
    assert secret is not None
    assert second == data_hmac(secret["data"], secret_uid=secret["metadata"]["uid"])
