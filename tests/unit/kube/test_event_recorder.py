"""EventRecorder: non-blocking record, aggregation by count, truncation, drops when full."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from eso.clock import FakeClock
from eso.kube.client import KubeClient
from eso.kube.events import DROP_LOG_INTERVAL, MAX_MESSAGE, EventRecorder
from eso.metrics import ClientMetrics
from eso.settings import ClientSettings

ES = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ExternalSecret",
    "metadata": {"name": "es", "namespace": "ns", "uid": "u1"},
}


@pytest.fixture
async def requests(tmp_path: Path) -> AsyncIterator[tuple[list[tuple[str, Any]], KubeClient]]:
    seen: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append((request.method, await request.json()))
        return web.json_response({}, status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    kc = tmp_path / "kc"
    kc.write_text(
        json.dumps(
            {
                "clusters": [{"name": "c", "cluster": {"server": str(server.make_url(""))}}],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    client = await KubeClient.from_config(kubeconfig=str(kc), settings=ClientSettings(qps=0))
    try:
        yield seen, client
    finally:
        await client.close()
        await server.close()


async def test_repeated_event_is_aggregated_by_patching_count(
    requests: tuple[list[tuple[str, Any]], KubeClient],
) -> None:
    seen, client = requests
    recorder = EventRecorder(client, clock=FakeClock())
    task = asyncio.create_task(recorder.run())
    try:
        for _ in range(3):
            recorder.record(ES, type_="Warning", reason="UpdateFailed", message="boom")
        recorder.record(ES, type_="Normal", reason="Updated", message="x" * 5000)
        await recorder.flush()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [m for m, _ in seen] == ["POST", "PATCH", "PATCH", "POST"]
    created = seen[0][1]
    assert created["involvedObject"] == {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "name": "es",
        "namespace": "ns",
        "uid": "u1",
    }
    assert created["source"] == {"component": "external-secrets"}
    assert (created["count"], created["type"], created["reason"]) == (1, "Warning", "UpdateFailed")
    assert seen[2][1]["count"] == 3
    assert len(seen[3][1]["message"]) == MAX_MESSAGE


async def test_record_never_blocks_and_drops_when_queue_is_full(
    requests: tuple[list[tuple[str, Any]], KubeClient],
) -> None:
    _, client = requests
    recorder = EventRecorder(client, queue_size=2)
    for i in range(5):
        recorder.record(ES, type_="Normal", reason="Updated", message=str(i))
    assert recorder.dropped == 3


async def test_drops_are_logged_as_they_begin_then_counted_once_per_interval(
    requests: tuple[list[tuple[str, Any]], KubeClient],
) -> None:
    _, client = requests
    clock = FakeClock()
    registry = CollectorRegistry()
    counter = ClientMetrics(registry).events_dropped.labels("external-secrets")
    recorder = EventRecorder(client, queue_size=1, clock=clock, dropped_counter=counter)
    with capture_logs() as logs:
        for i in range(6):  # the first fills the queue; five are dropped
            recorder.record(ES, type_="Normal", reason="Updated", message=str(i))
        await clock.advance(DROP_LOG_INTERVAL)
        recorder.record(ES, type_="Warning", reason="UpdateFailed", message="x")
    dropped = [e for e in logs if e["event"] == "events_dropped"]
    # one line when drops begin, then one for the next four and the one after the interval
    assert [(e["dropped"], e["total"]) for e in dropped] == [(1, 1), (5, 6)]
    assert dropped[-1]["reason"] == "UpdateFailed" and dropped[0]["log_level"] == "warning"
    assert recorder.dropped == 6
    labels = {"component": "external-secrets"}
    assert registry.get_sample_value("eso_events_dropped_total", labels) == 6
