"""The metrics and probe listeners: address parsing, /metrics, /healthz, /readyz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from eso.metrics import Metrics, exposition
from eso.server import Endpoints, parse_addr


@pytest.mark.parametrize(
    ("addr", "want"),
    [
        pytest.param(":8080", ("0.0.0.0", 8080), id="port-only-binds-all"),
        pytest.param("127.0.0.1:0", ("127.0.0.1", 0), id="loopback-any-port"),
        pytest.param("localhost:8082", ("localhost", 8082), id="hostname"),
        pytest.param("[::1]:9090", ("::1", 9090), id="ipv6-brackets"),
    ],
)
def test_parse_addr_splits_host_and_port(addr: str, want: tuple[str, int]) -> None:
    assert parse_addr(addr) == want


@pytest.mark.parametrize(
    "addr",
    [
        pytest.param("127.0.0.1", id="no-port"),
        pytest.param("127.0.0.1:", id="empty-port"),
        pytest.param(":http", id="named-port"),
        pytest.param(":-1", id="negative"),
        pytest.param(":65536", id="too-large"),
    ],
)
def test_parse_addr_rejects_bad_addresses(addr: str) -> None:
    with pytest.raises(ValueError, match="invalid address"):
        parse_addr(addr)


@dataclass
class Readiness:
    ok: bool = False
    why: str = "informers not synced: externalsecrets"

    def __call__(self) -> tuple[bool, str]:
        return self.ok, self.why


@dataclass
class Served:
    metrics: Metrics
    readiness: Readiness
    http: aiohttp.ClientSession
    metrics_url: str
    live_url: str


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    metrics = Metrics()
    readiness = Readiness()
    endpoints = Endpoints(
        metrics, ready=readiness, metrics_addr="127.0.0.1:0", live_addr="127.0.0.1:0"
    )
    await endpoints.start()
    metrics_port, live_port = endpoints.ports
    try:
        async with aiohttp.ClientSession() as http:
            yield Served(
                metrics,
                readiness,
                http,
                f"http://127.0.0.1:{metrics_port}",
                f"http://127.0.0.1:{live_port}",
            )
    finally:
        await endpoints.stop()


async def test_endpoints_bind_two_distinct_free_ports(served: Served) -> None:
    assert served.metrics_url != served.live_url


async def test_metrics_serves_our_registry_in_prometheus_text_format(served: Served) -> None:
    served.metrics.es.series.sync_call(namespace="ns", name="es")
    served.metrics.workqueue.depth.labels(controller="externalsecret", name="externalsecret").set(3)

    async with served.http.get(served.metrics_url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=")
        body = await resp.text()

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert samples[("externalsecret_sync_calls_total", (("name", "es"), ("namespace", "ns")))] == 1
    depth_labels = (("controller", "externalsecret"), ("name", "externalsecret"))
    assert samples[("workqueue_depth", depth_labels)] == 3


async def test_metrics_serves_openmetrics_to_a_scraper_asking_for_it(served: Served) -> None:
    """Issue 14, item 5: ``Accept: application/openmetrics-text`` gets OpenMetrics."""
    served.metrics.es.series.sync_call(namespace="ns", name="es")
    headers = {"Accept": "application/openmetrics-text; version=1.0.0"}
    async with served.http.get(served.metrics_url + "/metrics", headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("application/openmetrics-text; version=1")
        body = await resp.text()
    assert body.endswith("# EOF\n")
    assert 'externalsecret_sync_calls_total{name="es",namespace="ns"} 1.0' in body


async def test_metrics_serves_prometheus_the_text_format_0_0_4(served: Served) -> None:
    """Prometheus accepts both; the text format is the one where ESO's counters are counters."""
    headers = {
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    }
    async with served.http.get(served.metrics_url + "/metrics", headers=headers) as resp:
        assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert "# EOF" not in await resp.text()


async def test_metrics_does_not_serve_the_default_registry(served: Served) -> None:
    """Only our own registry: no process/python collectors of the global default registry."""
    async with served.http.get(served.metrics_url + "/metrics") as resp:
        body = await resp.text()
    assert "python_gc_objects_collected_total" not in body
    assert "# TYPE externalsecret_sync_calls_total counter" in body


async def test_metrics_has_no_created_series(served: Served) -> None:
    """Like ESO and client-go: no ``*_created`` twin doubling every per-object series."""
    served.metrics.es.series.sync_call(namespace="ns", name="es")
    served.metrics.runtime.reconcile_time.labels(controller="externalsecret").observe(0.1)
    async with served.http.get(served.metrics_url + "/metrics") as resp:
        body = await resp.text()
    assert "_created" not in body


async def test_probes_are_not_served_on_the_metrics_listener(served: Served) -> None:
    async with served.http.get(served.metrics_url + "/healthz") as resp:
        assert resp.status == 404
    async with served.http.get(served.live_url + "/metrics") as resp:
        assert resp.status == 404


async def test_healthz_is_ok_even_before_ready(served: Served) -> None:
    async with served.http.get(served.live_url + "/healthz") as resp:
        assert (resp.status, await resp.text()) == (200, "ok")


async def test_readyz_is_503_with_the_reason_until_ready_then_200(served: Served) -> None:
    async with served.http.get(served.live_url + "/readyz") as resp:
        assert resp.status == 503
        assert await resp.text() == "informers not synced: externalsecrets"

    served.readiness.ok, served.readiness.why = True, "ok"

    async with served.http.get(served.live_url + "/readyz") as resp:
        assert (resp.status, await resp.text()) == (200, "ok")


async def test_start_fails_with_oserror_when_the_address_is_taken() -> None:
    first = Endpoints(
        Metrics(), ready=Readiness(), metrics_addr="127.0.0.1:0", live_addr="127.0.0.1:0"
    )
    await first.start()
    try:
        taken = f"127.0.0.1:{first.ports[0]}"
        second = Endpoints(
            Metrics(), ready=Readiness(), metrics_addr=taken, live_addr="127.0.0.1:0"
        )
        with pytest.raises(OSError):
            await second.start()
        await second.stop()
    finally:
        await first.stop()


async def test_metrics_text_body_streamed_in_parts_is_the_whole_exposition(served: Served) -> None:
    """A scrape of many per-object series (several parts of one family) arrives whole,
    one header per family, byte for byte what ``exposition.text`` renders."""
    for i in range(2500):
        served.metrics.es.series.sync_call(namespace="ns", name=f"es-{i}")
    async with served.http.get(served.metrics_url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == exposition.CONTENT_TYPE_TEXT
        body = await resp.read()
    assert body == exposition.text(served.metrics.registry)
    families = list(text_string_to_metric_families(body.decode()))
    names = [f.name for f in families]
    assert len(names) == len(set(names))
    calls = next(f for f in families if f.name == "externalsecret_sync_calls")
    assert {s.labels["name"] for s in calls.samples} >= {f"es-{i}" for i in range(2500)}
