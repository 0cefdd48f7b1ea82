"""Informer event handling against a scripted list/watch server (no control plane needed)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from eso.kube.cache import Tombstone
from eso.kube.client import KubeClient
from eso.kube.informer import Informer
from eso.kube.resources import SECRETS
from eso.metrics import Metrics
from eso.settings import ClientSettings, InformerSettings
from localkube.pytest_cluster import wait_for


def secret(name: str, rv: int, **extra: Any) -> dict[str, Any]:
    meta = {"name": name, "namespace": "ns", "resourceVersion": str(rv), "managedFields": [{}]}
    return {"metadata": meta, **extra}


class FakeApi:
    """Lists return ``objects``; each watch streams what the test puts on ``events``."""

    def __init__(self) -> None:
        self.objects: list[dict[str, Any]] = []
        self.rv = 1
        self.events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.lists = 0
        self.watch_rvs: list[str] = []
        self.expire_continue = False

    def list(self, request: web.Request) -> web.Response:
        """Pages of ``limit`` objects; continue tokens are offsets (410 if expiring them)."""
        self.lists += 1
        start = int(request.query.get("continue", "0"))
        if start and self.expire_continue:
            body = {"kind": "Status", "code": 410, "reason": "Expired", "message": "expired"}
            return web.json_response(body, status=410)
        limit = int(request.query.get("limit", "0")) or len(self.objects)
        meta = {"resourceVersion": str(self.rv)}
        if start + limit < len(self.objects):
            meta["continue"] = str(start + limit)
        return web.json_response({"metadata": meta, "items": self.objects[start : start + limit]})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("watch") != "true":
            return self.list(request)
        self.watch_rvs.append(request.query.get("resourceVersion", ""))
        resp = web.StreamResponse()
        await resp.prepare(request)
        while (event := await self.events.get()) is not None:
            await resp.write(json.dumps(event).encode() + b"\n")
        await resp.write_eof()
        return resp


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[tuple[FakeApi, KubeClient]]:
    api = FakeApi()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", api.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    kc = tmp_path / "kc"
    kc.write_text(
        json.dumps(
            {
                "clusters": [{"name": "c", "cluster": {"server": str(server.make_url(""))}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    client = await KubeClient.from_config(kubeconfig=str(kc), settings=ClientSettings(qps=0))
    try:
        yield api, client
    finally:
        await api.events.put(None)
        await client.close()
        await server.close()


async def holds(value: bool) -> bool:
    """``wait_for`` polls coroutines; the conditions here are plain expressions."""
    return value


async def test_watch_events_reach_handlers_in_order_and_410_relists_with_tombstones(
    fake: tuple[FakeApi, KubeClient],
) -> None:
    api, client = fake
    api.objects = [secret("a", 1), secret("b", 1)]
    seen: list[tuple[str, Any]] = []
    informer = Informer(
        client,
        SECRETS,
        settings=InformerSettings(backoff_initial=0.01),
        metrics=Metrics().informer,
        indexers={"name": lambda o: [o["metadata"]["name"]]},
    )
    informer.add_handler(
        on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
        on_update=lambda old, new: seen.append(("update", new["metadata"]["resourceVersion"])),
        on_delete=lambda o: seen.append(("delete", o)),
    )
    task = asyncio.create_task(informer.run())
    try:
        await informer.wait_synced()
        assert "managedFields" not in informer.cache.get("ns/a")["metadata"]  # type: ignore[index]
        await api.events.put({"type": "MODIFIED", "object": secret("a", 2)})
        await api.events.put({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "5"}}})
        await api.events.put({"type": "DELETED", "object": secret("b", 6)})
        await wait_for(lambda: holds(informer.last_resource_version == "6"), timeout=5)
        assert api.watch_rvs == ["1"]
        # b was deleted while "disconnected": a relist must report a's deletion as a tombstone
        api.objects, api.rv = [secret("c", 9)], 9
        await api.events.put({"type": "ERROR", "object": {"kind": "Status", "code": 410}})
        await api.events.put(None)
        await wait_for(lambda: holds(informer.cache.keys() == ["ns/c"]), timeout=5)
        assert informer.cache.by_index("name", "c")[0]["metadata"]["name"] == "c"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert seen[:3] == [("add", "a"), ("add", "b"), ("update", "2")]
    assert seen[3][0] == "delete"
    assert seen[3][1]["metadata"] == {"name": "b", "namespace": "ns", "resourceVersion": "6"}
    assert seen[4][0] == "add"
    assert seen[5][0] == "delete"
    assert isinstance(seen[5][1], Tombstone)
    assert seen[5][1].key == "ns/a"
    assert api.lists == 2


async def test_late_handler_gets_existing_objects_as_adds(
    fake: tuple[FakeApi, KubeClient],
) -> None:
    api, client = fake
    api.objects = [secret("a", 1)]
    informer = Informer(client, SECRETS, metrics=Metrics().informer)
    task = asyncio.create_task(informer.run())
    try:
        await informer.wait_synced()
        added: list[str] = []
        informer.add_handler(on_add=lambda o: added.append(o["metadata"]["name"]))
        assert added == ["a"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_silent_watch_is_restarted_after_the_inactivity_timeout(
    fake: tuple[FakeApi, KubeClient],
) -> None:
    api, client = fake
    settings = InformerSettings(inactivity_timeout=0.2, backoff_initial=0.01, backoff_max=0.02)
    informer = Informer(client, SECRETS, settings=settings, metrics=Metrics().informer)
    task = asyncio.create_task(informer.run())
    try:
        await wait_for(lambda: holds(len(api.watch_rvs) >= 3), timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert api.lists == 1, "a dead watch resumes from its resourceVersion, no relist"
    assert set(api.watch_rvs) == {"1"}


@pytest.mark.parametrize("expire", [False, True], ids=["paged", "continue-expired"])
async def test_relist_pages_and_transforms_only_changed_objects(
    fake: tuple[FakeApi, KubeClient], expire: bool
) -> None:
    api, client = fake
    api.objects = [secret(f"s{i}", 1) for i in range(5)]
    transformed: list[str] = []

    def transform(obj: dict[str, Any]) -> dict[str, Any]:
        transformed.append(obj["metadata"]["name"])
        return obj

    settings = InformerSettings(list_page_size=2, backoff_initial=0.01)
    informer = Informer(
        client, SECRETS, settings=settings, metrics=Metrics().informer, transform=transform
    )
    task = asyncio.create_task(informer.run())
    try:
        await informer.wait_synced()
        assert api.lists == 3
        assert len(informer.cache) == 5
        transformed.clear()
        api.expire_continue = expire
        api.objects = [secret("s0", 2), *api.objects[1:4], secret("s9", 1)]
        await api.events.put({"type": "ERROR", "object": {"kind": "Status", "code": 410}})
        await wait_for(lambda: holds("ns/s9" in informer.cache), timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert set(transformed) == {"s0", "s9"}  # s0 twice when the paged attempt restarts
    assert sorted(informer.cache.keys()) == ["ns/s0", "ns/s1", "ns/s2", "ns/s3", "ns/s9"]
