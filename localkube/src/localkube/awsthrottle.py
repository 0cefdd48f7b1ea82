"""A front for moto that throttles like AWS: ``ThrottlingException`` above ``rate`` calls/s.

AWS meters each API with a token bucket and answers a call over it with HTTP 400 and the
JSON protocol's ``ThrottlingException`` (``x-amzn-ErrorType`` header, ``__type`` in the body);
moto never throttles. This front stands between eso and moto and does what AWS does: every
JSON-protocol call (it has ``X-Amz-Target``) takes a token from one bucket of ``rate`` tokens
per second holding at most ``burst``; without a token it is answered with the throttling error
and never reaches moto; with one it is forwarded unchanged. Other requests (moto's own API,
STS's query protocol) pass untouched.

It counts what eso *offered* (every call, throttled or not) and what it throttled, per
second of wall time since start, so a benchmark can say how far over the limit eso went:
``GET /_front/stats`` answers ``{"rate": .., "burst": .., "seconds": {"<s>": [offered,
throttled]}, "targets": {...}, "started": <time.monotonic() of second 0>}``. Test code only:
it lives in the harness, never in ``eso/``.

    python -m localkube.awsthrottle --upstream http://127.0.0.1:5000 --rate 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

HOST = "127.0.0.1"
STATS_PATH = "/_front/stats"
THROTTLE_BODY = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
# hop-by-hop headers and the ones aiohttp recomputes for the forwarded request
_DROP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class Bucket:
    """``rate`` tokens per second, at most ``burst`` held; ``take`` never waits."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._last = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ThrottlingFront:
    """The front as an aiohttp app on 127.0.0.1 (``start``/``stop``, ``url``, ``stats``)."""

    def __init__(self, upstream: str, *, rate: float, burst: float | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.bucket = Bucket(rate, burst if burst is not None else max(1.0, rate / 5))
        self.started = time.monotonic()
        self.seconds: dict[int, list[int]] = {}
        self.targets: Counter[str] = Counter()
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    def stats(self) -> dict[str, Any]:
        """What was offered and throttled, per second since start (see the module docstring)."""
        return {
            "started": self.started,  # time.monotonic(): the same clock in every process here
            "rate": self.bucket.rate,
            "burst": self.bucket.burst,
            "seconds": {str(k): v for k, v in sorted(self.seconds.items())},
            "targets": dict(self.targets),
        }

    def throttled(self) -> int:
        return sum(t for _, t in self.seconds.values())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == STATS_PATH:
            return web.json_response(self.stats())
        target = request.headers.get("X-Amz-Target")
        if target is not None:
            second = self.seconds.setdefault(int(time.monotonic() - self.started), [0, 0])
            second[0] += 1
            self.targets[target] += 1
            if not self.bucket.take():
                second[1] += 1
                return web.Response(
                    status=400,
                    text=THROTTLE_BODY,
                    content_type="application/x-amz-json-1.1",
                    headers={"x-amzn-ErrorType": "ThrottlingException"},
                )
        return await self._forward(request)

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=await request.read(),
        ) as resp:
            body = await resp.read()
            out = {k: v for k, v in resp.headers.items() if k.lower() not in _DROP}
            return web.Response(status=resp.status, body=body, headers=out)

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:``port`` (0: a free one); the front's URL."""
        self._session = ClientSession(timeout=ClientTimeout(total=60))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{HOST}:{bound}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


async def _serve(upstream: str, *, rate: float, burst: float | None, port: int) -> None:
    front = ThrottlingFront(upstream, rate=rate, burst=burst)
    url = await front.start(port)
    print(url, flush=True)  # the line a parent process waits for
    try:
        await asyncio.Event().wait()
    finally:
        await front.stop()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m localkube.awsthrottle", description=__doc__)
    p.add_argument("--upstream", required=True)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--burst", type=float, default=None)
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(a.upstream, rate=a.rate, burst=a.burst, port=a.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
