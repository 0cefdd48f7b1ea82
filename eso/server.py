"""The process's HTTP endpoints: Prometheus metrics and health probes.

Two listeners like ESO (``--metrics-addr`` :8080, ``--live-addr`` :8082) so a NetworkPolicy can
expose metrics to Prometheus without exposing probes, and vice versa. ``/healthz`` answers
from the event loop itself, so a wedged loop fails the liveness probe; ``/readyz`` asks the
caller's readiness function (informers synced; with leader election, leading or a warm
standby). The metrics body is rendered from our own registry and carries no secret values,
only names and counts. ``/metrics`` answers in the text format 0.0.4, or in OpenMetrics to a
scraper that asks for it and not for the text format (``eso.metrics.exposition`` says why).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from eso.metrics import Metrics, exposition


def parse_addr(addr: str) -> tuple[str, int]:
    """``":8080"`` → ``("0.0.0.0", 8080)``; ``"127.0.0.1:0"`` → any free port on loopback.

    ``"[::1]:8080"`` → ``("::1", 8080)``. Raises ValueError for anything else, including
    ports outside 0-65535 (which would otherwise fail late, as OverflowError, at bind time).
    """
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"invalid address {addr!r}: expected [host]:port")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return (host or "0.0.0.0"), int(port)


def metrics_app(metrics: Metrics) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        accept = request.headers.get("Accept")
        if exposition.wants_openmetrics(accept):
            body, content_type = exposition.render(metrics.registry, accept=accept)
            return web.Response(body=body, headers={"Content-Type": content_type})
        # The text format is written part by part (chunked): the scrape's transient memory is
        # one part, not the whole body and its pieces (8 MiB at 10k ExternalSecrets).
        response = web.StreamResponse(headers={"Content-Type": exposition.CONTENT_TYPE_TEXT})
        await response.prepare(request)
        for part in exposition.text_parts(metrics.registry):
            await response.write(part)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/metrics", handle)
    return app


def health_app(ready: Callable[[], tuple[bool, str]]) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        ok, why = ready()
        return web.Response(status=200 if ok else 503, text=why)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


class Endpoints:
    """Runs the metrics and health listeners; ``start`` then ``stop``."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        ready: Callable[[], tuple[bool, str]],
        metrics_addr: str,
        live_addr: str,
    ) -> None:
        self._apps = [(metrics_app(metrics), metrics_addr), (health_app(ready), live_addr)]
        self._runners: list[web.AppRunner] = []
        self.ports: list[int] = []

    async def start(self) -> None:
        """Bind both listeners; raises OSError if an address is taken."""
        for app, addr in self._apps:
            host, port = parse_addr(addr)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            await site.start()
            self._runners.append(runner)
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            self.ports.append(sockets[0].getsockname()[1] if sockets else port)

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
