"""A test proxy in front of any cluster's API server that can hide API groups.

Some states cannot be had on a shared cluster by changing the cluster: "eso's CRDs are not
installed" would mean deleting CRDs other work depends on. A process under test is pointed at
this proxy instead (plain http on 127.0.0.1, its own kubeconfig); requests under a hidden path
prefix get kube-apiserver's answer for an API that is not served (404 ``NotFound``, "the
server could not find the requested resource"), everything else is forwarded with the test
cluster's own credentials (``RawClient``: tokens, client certificates, exec plugins), bodies
streamed both ways so watches work. The same test then runs on the local control plane and on
a real kube-apiserver.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from yarl import URL

from localkube.apiserver import status as st
from localkube.apiserver.handlers import error_response
from localkube.rawclient import RawClient

# Request headers passed on besides Accept; the proxy supplies authentication and framing.
_FORWARDED = ("Content-Type", "User-Agent")


class ApiProxy:
    """``async with ApiProxy(client) as proxy``; ``proxy.hide(prefix)``, ``proxy.reveal()``."""

    def __init__(self, client: RawClient) -> None:
        self._client = client
        self._hidden: set[str] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hide(self, prefix: str) -> None:
        """Answer 404 for every path starting with ``prefix`` (e.g. ``/apis/example.com/``)."""
        self._hidden.add(prefix)

    def reveal(self) -> None:
        """Forward everything again."""
        self._hidden.clear()

    async def __aenter__(self) -> ApiProxy:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # a client that goes away cancels its handler: a forwarded watch never ends by itself
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._handlers:
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def write_kubeconfig(self, path: Path) -> Path:
        """A kubeconfig for the proxy (no credentials: the proxy adds the cluster's)."""
        name = "eso-proxy"
        config: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": self.url}}],
            "users": [{"name": name, "user": {"token": "unused-by-the-proxy"}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        }
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        path.chmod(0o600)
        return path

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            return await self._forward(request)
        finally:
            self._handlers.discard(task)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if any(request.path.startswith(p) for p in self._hidden):
            return error_response(st.resource_not_found())
        headers = await self._client.auth_headers(request.headers.get("Accept", "*/*"))
        headers.update({k: request.headers[k] for k in _FORWARDED if k in request.headers})
        body = await request.read() if request.can_read_body else None
        url = URL(self._client.host + request.path_qs, encoded=True)
        async with self._client.session.request(
            request.method, url, data=body, headers=headers, timeout=aiohttp.ClientTimeout()
        ) as upstream:
            resp = web.StreamResponse(status=upstream.status)
            for name in ("Content-Type", "Warning", "Retry-After"):
                for value in upstream.headers.getall(name, []):
                    resp.headers.add(name, value)
            await resp.prepare(request)
            async for chunk in upstream.content.iter_any():
                await resp.write(chunk)
            await resp.write_eof()
            return resp
