"""The CES reconcile against caches and a recording fake client: what it writes, and when not."""

from __future__ import annotations

from typing import Any, cast

import pytest

from eso.api import conditions as c
from eso.clock import FakeClock
from eso.controllers.clusterexternalsecret.desired import INDEX_CES_OWNER, ces_owner_index
from eso.controllers.clusterexternalsecret.reconciler import (
    ChildrenFailedError,
    ClusterExternalSecretCaches,
    ClusterExternalSecretReconciler,
)
from eso.controllers.runtime.worker import Result
from eso.kube.cache import Cache
from eso.kube.errors import Conflict, Forbidden
from eso.kube.keys import ObjectKey
from eso.metrics import Metrics

SPEC = {
    "secretStoreRef": {"name": "s", "kind": "SecretStore"},
    "data": [{"secretKey": "k", "remoteRef": {"key": "r"}}],
}
DENIED = 'externalsecrets.external-secrets.io "fleet" is forbidden'


class FakeClient:
    """Records writes; ``fail`` maps a namespace to the error its child write raises."""

    def __init__(self, es_cache: Cache, fail: dict[str, Exception] | None = None) -> None:
        self.calls: list[tuple[str, str | None, Any]] = []
        self._cache, self._fail = es_cache, fail or {}

    async def create(self, resource: Any, *, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        ns = body["metadata"]["namespace"]
        self.calls.append(("create", ns, body))
        if ns in self._fail:
            raise self._fail[ns]
        stored = {**body, "metadata": {**body["metadata"], "uid": f"uid-{ns}"}}
        self._cache.upsert(stored)  # as the watch would show it
        return stored

    async def replace(self, resource: Any, *, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls.append(("replace", body["metadata"]["namespace"], body))
        self._cache.upsert(body)
        return body

    async def delete(self, resource: Any, *, name: str, namespace: str, **_: Any) -> None:
        self.calls.append(("delete", namespace, name))
        self._cache.remove(f"{namespace}/{name}")

    async def patch(self, resource: Any, *, name: str, body: Any, **_: Any) -> None:
        self.calls.append(("status", None, body))


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def record(self, obj: Any, *, type_: str, reason: str, message: str) -> None:
        self.events.append((reason, message))


class World:
    def __init__(self, *namespaces: str, fail: dict[str, Exception] | None = None) -> None:
        self.cess, self.namespaces = Cache(), Cache()
        self.es = Cache(indexers={INDEX_CES_OWNER: ces_owner_index})
        for ns in namespaces:
            self.namespaces.upsert({"metadata": {"name": ns, "labels": {"team": "a"}}})
        self.client = FakeClient(self.es, fail)
        self.recorder = Recorder()
        self.metrics = Metrics()
        self.reconciler = ClusterExternalSecretReconciler(
            caches=ClusterExternalSecretCaches(
                cluster_external_secrets=self.cess,
                namespaces=self.namespaces,
                external_secrets=self.es,
            ),
            client=cast(Any, self.client),
            recorder=cast(Any, self.recorder),
            metrics=self.metrics.ces,
            clock=FakeClock(),
        )

    def ces(self, **spec: Any) -> None:
        self.cess.upsert(
            {
                "apiVersion": c.API_VERSION,
                "kind": "ClusterExternalSecret",
                "metadata": {"name": "fleet", "uid": "ces-uid"},
                "spec": {
                    "namespaceSelectors": [{"matchLabels": {"team": "a"}}],
                    "externalSecretSpec": SPEC,
                    **spec,
                },
            }
        )

    def apply_status(self) -> None:
        """What the watch shows after the status patch."""
        for verb, _, body in self.client.calls:
            if verb == "status":
                ces = self.cess.get("fleet")
                assert ces is not None
                status = {k: v for k, v in body["status"].items() if v is not None}
                self.cess.upsert({**ces, "status": status})

    async def reconcile(self) -> Result:
        return await self.reconciler.reconcile(ObjectKey("fleet"))


async def test_cold_provision_then_a_refresh_writes_nothing() -> None:
    world = World("a1", "a2")
    world.ces(refreshTime="30s")
    assert await world.reconcile() == Result(requeue_after=30.0)
    assert [(v, ns) for v, ns, _ in world.client.calls] == [
        ("create", "a1"),
        ("create", "a2"),
        ("status", None),
    ]
    world.apply_status()
    world.client.calls.clear()
    assert await world.reconcile() == Result(requeue_after=30.0)
    assert world.client.calls == []
    assert world.recorder.events == [
        (c.EVENT_CES_PROVISIONED, "ExternalSecret fleet provisioned in 2 namespace(s)")
    ]


async def test_a_forbidden_namespace_is_reported_and_the_others_provisioned() -> None:
    denied = Forbidden(403, "Forbidden", DENIED)
    world = World("a1", "a2", fail={"a2": denied})
    world.ces()
    assert await world.reconcile() == Result(requeue_after=3600.0)
    [(_, _, patch)] = [call for call in world.client.calls if call[0] == "status"]
    status = patch["status"]
    assert status["provisionedNamespaces"] == ["a1"]
    assert status["failedNamespaces"] == [
        {
            "namespace": "a2",
            "reason": f"could not create or update ExternalSecret: {DENIED}",
        }
    ]
    assert status["conditions"][-1]["message"] == c.MSG_CES_NAMESPACES_FAILED
    assert world.recorder.events[0][0] == c.EVENT_CES_NAMESPACES_FAILED


async def test_a_conflict_is_reported_then_retried_by_the_worker() -> None:
    world = World("a1", fail={"a1": Conflict(409, "Conflict", "the object has been modified")})
    world.ces()
    with pytest.raises(ChildrenFailedError):
        await world.reconcile()
    assert any(verb == "status" for verb, _, _ in world.client.calls)


async def test_a_refresh_time_of_zero_means_no_periodic_refresh() -> None:
    world = World("a1")
    world.ces(refreshTime="0s")
    assert await world.reconcile() == Result(requeue_after=None)


async def test_a_deleted_ces_forgets_its_series() -> None:
    world = World("a1")
    world.ces()
    await world.reconcile()
    world.cess.remove("fleet")
    assert await world.reconcile() == Result()
    sample = world.metrics.registry.get_sample_value(
        "clusterexternalsecret_status_condition",
        {"name": "fleet", "namespace": "", "condition": "Ready", "status": "True"},
    )
    assert sample is None
