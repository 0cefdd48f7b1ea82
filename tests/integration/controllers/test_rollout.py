"""Rollout on change against the control plane: a rotated AWS value rolls the named workloads.

The Deployment is a plain object here (no controller is needed to see the pod template
annotation change, which is what makes Kubernetes roll); with ``replicas: 0`` and a valid
spec the same test runs against a real kube-apiserver.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from controller_env import ES_API, Env

from eso.controllers.rollout import messages as m
from eso.controllers.rollout.podhash import annotation_key
from eso.settings import ControllerSettings
from localkube.pytest_cluster import wait_for

HASH_KEY = annotation_key("app")


@pytest.fixture
def controller_settings() -> ControllerSettings:
    """Rollouts on, no minimum interval: each change rolls at once (the limiter is unit tested)."""
    return ControllerSettings(
        concurrent=4,
        refresh_jitter=0.0,
        store_requeue_interval=2.0,
        rollout_on_change=True,
        rollout_min_interval=0.0,
    )


@pytest.fixture
async def ns(env: Env) -> str:
    """A namespace with a Ready SecretStore, the AWS secret ``db`` = v1 and Deployment ``api``."""
    name = await env.cluster.create_namespace()
    await env.credentials(name)
    await env.secret_store(name)
    await env.aws.create("db", "v1")
    await env.raw.create("apps/v1", "deployments", _deployment("api"), namespace=name)
    await env.wait_ready("secretstores", "aws-store", name)
    return name


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    container = {"name": "app", "image": "registry.k8s.io/pause:3.9"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


async def _annotated_es(env: Env, ns: str, targets: str) -> None:
    body = {
        "apiVersion": ES_API,
        "kind": "ExternalSecret",
        "metadata": {
            "name": "app",
            "namespace": ns,
            "annotations": {m.ANNOTATION_ROLLOUT_ON_CHANGE: targets},
        },
        "spec": {
            "refreshInterval": "1s",
            "secretStoreRef": {"name": "aws-store", "kind": "SecretStore"},
            "target": {"name": "app"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "db"}}],
        },
    }
    await env.raw.create(ES_API, "externalsecrets", body, namespace=ns)


async def _template_hash(env: Env, ns: str) -> str | None:
    deployment = await env.raw.get("apps/v1", "deployments", "api", namespace=ns)
    annotations = deployment["spec"]["template"].get("metadata", {}).get("annotations") or {}
    value = annotations.get(HASH_KEY)
    return value if isinstance(value, str) else None


async def _events(env: Env, ns: str, reason: str) -> list[dict[str, Any]]:
    events = await env.raw.list("v1", "events", namespace=ns)
    return [
        e
        for e in events.get("items", [])
        if e.get("reason") == reason and e["involvedObject"].get("name") == "app"
    ]


async def _wait_value(env: Env, ns: str, value: bytes) -> None:
    def holds(secret: dict[str, Any]) -> bool:
        return base64.b64decode((secret.get("data") or {}).get("password", "")) == value

    await env.wait_secret("app", ns, where=holds)


async def _refreshes(env: Env, ns: str, count: int) -> None:
    """Wait until the ExternalSecret has refreshed ``count`` more times (refreshTime moves)."""
    seen: list[str] = []

    async def moved() -> bool:
        es = await env.get("externalsecrets", "app", ns)
        stamp = str(((es or {}).get("status") or {}).get("refreshTime"))
        if not seen or seen[-1] != stamp:
            seen.append(stamp)
        return len(seen) > count

    await wait_for(moved, timeout=20.0)


async def test_a_rotated_value_rolls_the_deployment_and_a_no_op_refresh_does_not(
    env: Env, ns: str
) -> None:
    await _annotated_es(env, ns, "deployment/api")
    await _wait_value(env, ns, b"v1")
    await env.wait_ready("externalsecrets", "app", ns)
    await _refreshes(env, ns, 1)
    assert await _template_hash(env, ns) is None  # creating the Secret restarts nothing

    await env.aws.put("db", "v2")
    first = await wait_for(lambda: _template_hash(env, ns), timeout=20.0)
    await _wait_value(env, ns, b"v2")
    events = await wait_for(lambda: _events(env, ns, m.EVENT_REASON_ROLLOUT), timeout=10.0)
    assert events[0]["message"] == m.EVENT_MSG_ROLLOUT.format(workload="deployment/api")
    assert events[0]["type"] == "Normal"

    await _refreshes(env, ns, 2)  # refreshes that read the same value roll nothing
    assert await _template_hash(env, ns) == first

    await env.aws.put("db", "v3")

    async def rolled_again() -> bool:
        return await _template_hash(env, ns) not in (None, first)

    await wait_for(rolled_again, timeout=20.0)
    await env.wait_ready("externalsecrets", "app", ns)


async def test_a_missing_workload_is_a_warning_and_the_others_still_roll(env: Env, ns: str) -> None:
    await _annotated_es(env, ns, "deployment/missing,other/deployment/api,deployment/api")
    await _wait_value(env, ns, b"v1")
    await env.aws.put("db", "v2")
    await wait_for(lambda: _template_hash(env, ns), timeout=20.0)

    async def two_warnings() -> list[str] | None:
        found = await _events(env, ns, m.EVENT_REASON_ROLLOUT_FAILED)
        return sorted(e["message"] for e in found) if len(found) >= 2 else None

    messages = await wait_for(two_warnings, timeout=10.0)
    assert any(m.ERR_CROSS_NAMESPACE in text for text in messages)
    assert m.EVENT_MSG_FAILED.format(workload="deployment/missing", detail=m.ERR_NOT_FOUND) in (
        messages
    )
    cond = await env.wait_ready("externalsecrets", "app", ns)  # Ready tells the sync's truth
    assert cond["status"] == "True"


async def test_a_metadata_only_change_of_the_secret_rolls_nothing(env: Env, ns: str) -> None:
    await _annotated_es(env, ns, "deployment/api")
    await _wait_value(env, ns, b"v1")
    await env.aws.put("db", "v2")
    first = await wait_for(lambda: _template_hash(env, ns), timeout=20.0)

    template = {"metadata": {"labels": {"tier": "gold"}}}
    patch = {"spec": {"target": {"name": "app", "template": template}}}
    await env.raw.patch(ES_API, "externalsecrets", "app", patch, namespace=ns)

    async def relabelled() -> bool:
        secret = await env.get("secrets", "app", ns)
        return ((secret or {}).get("metadata", {}).get("labels") or {}).get("tier") == "gold"

    await wait_for(relabelled, timeout=20.0)
    await _refreshes(env, ns, 1)
    assert await _template_hash(env, ns) == first
    rollouts = await _events(env, ns, m.EVENT_REASON_ROLLOUT)
    assert sum(e.get("count", 1) for e in rollouts) == 1
    await _wait_value(env, ns, b"v2")


async def test_repairing_a_hand_edit_back_to_the_synced_data_rolls_nothing(
    env: Env, ns: str
) -> None:
    """The pods never ran with the edited value from env; mounted files get the repair."""
    await _annotated_es(env, ns, "deployment/api")
    await _wait_value(env, ns, b"v1")
    await env.aws.put("db", "v2")
    first = await wait_for(lambda: _template_hash(env, ns), timeout=20.0)
    await _wait_value(env, ns, b"v2")

    edit = {"data": {"password": base64.b64encode(b"edited").decode()}}
    await env.raw.patch("v1", "secrets", "app", edit, namespace=ns)
    await _wait_value(env, ns, b"v2")  # eso restores what it synced
    await _refreshes(env, ns, 1)
    assert await _template_hash(env, ns) == first
    rollouts = await _events(env, ns, m.EVENT_REASON_ROLLOUT)
    assert sum(e.get("count", 1) for e in rollouts) == 1
