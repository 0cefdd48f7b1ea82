"""``LocalControlPlane``: the aiohttp application, its lifecycle and its kubeconfig.

One catch-all route and a hand-written dispatcher keep per-request overhead low (no
middleware chain, no router table to rebuild when CRDs come and go). Requests are
authenticated with a bearer token over TLS (401 Status otherwise, as kube-apiserver with
anonymous auth disabled; TLS because kubectl sends tokens only over https), checked against
injected faults, then served by discovery, OpenAPI or the resource handlers. Background work
(garbage collection, establishing CRDs, bookmarks) runs in a ``TaskSet``; the objects every
namespace gets (``namespaces``) are written within the write that needs them.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from pathlib import Path
from typing import Any

import structlog
import yaml
from aiohttp import web

from eso.clock import Clock, SystemClock
from eso.tasks import TaskSet
from localkube.apiserver import discovery, openapi
from localkube.apiserver import status as st
from localkube.apiserver.establishing import EstablishingController
from localkube.apiserver.faults import Faults, RequestInfo
from localkube.apiserver.gc import GarbageCollector
from localkube.apiserver.handlers import ResourceHandlers, error_response, json_response
from localkube.apiserver.namespaces import NamespaceContents
from localkube.apiserver.objects import prepare_create
from localkube.apiserver.operations import NAMESPACES, Operations
from localkube.apiserver.registry import Registry
from localkube.apiserver.routes import resolve, split_group_version
from localkube.apiserver.store import Store
from localkube.apiserver.tls import server_context, serving_cert
from localkube.apiserver.tokenrequest import TokenIssuer

log = structlog.get_logger(__name__)
_OPEN_PATHS = frozenset({"/healthz", "/readyz", "/livez"})
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class LocalControlPlane:
    """A kube-apiserver stand-in on 127.0.0.1; ``await start()``, ``await stop()``."""

    def __init__(
        self,
        *,
        token: str | None = None,
        history: int = 10_000,
        bookmark_interval: float = 60.0,
        clock: Clock | None = None,
        tls: bool = True,
    ) -> None:
        self.tls = tls
        self.token = token or secrets.token_urlsafe(24)
        self.clock = clock or SystemClock()
        self.bookmark_interval = bookmark_interval
        self.store = Store(history=history)
        self.registry = Registry()
        self.ops = Operations(self.store, registry=self.registry, clock=self.clock)
        self.resources = ResourceHandlers(self.ops, clock=self.clock)
        self.faults = Faults(drop_watches=self.resources.drop_watches, compact=self._compact)
        self.tokens = TokenIssuer(self.ops, registry=self.registry, clock=self.clock)
        self._gc = GarbageCollector(self.ops)
        self._establishing = EstablishingController(self.ops)
        self._contents = NamespaceContents(self.ops, ca_pem=serving_cert().ca_pem.decode())
        self._tasks = TaskSet()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._seed()

    def _seed(self) -> None:
        rt = self.registry.get("", "v1", "namespaces")
        assert rt is not None
        for name in INITIAL_NAMESPACES:
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            self.store.create(NAMESPACES, prepare_create(rt, ns, now=self.clock.wall()))
            self._contents.populate(name)

    def _compact(self) -> int:
        self.ops.continue_floor = self.store.rv + 1
        return self.store.compact()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:``port`` (0: a free port, see ``.port``)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        ssl_context = server_context(serving_cert()) if self.tls else None
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=ssl_context)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._tasks.spawn(self._gc.run(), name="apiserver-gc")
        self._tasks.spawn(self._establishing.run(), name="apiserver-establishing")
        self._tasks.spawn(self._bookmarks(), name="apiserver-bookmarks")

    async def __aenter__(self) -> LocalControlPlane:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Close watches, stop serving and background work; safe to call twice."""
        self.resources.drop_watches()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._tasks.close()

    async def _bookmarks(self) -> None:
        while True:
            await self.clock.sleep(self.bookmark_interval)
            self.resources.bookmark_all()

    def kubeconfig(self, *, context: str = "eso-local") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": self._cluster_entry()}],
            "users": [{"name": context, "user": {"token": self.token}}],
            "contexts": [
                {
                    "name": context,
                    "context": {"cluster": context, "user": context, "namespace": "default"},
                }
            ],
            "current-context": context,
            "preferences": {},
        }

    def _cluster_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"server": self.url}
        if self.tls:
            entry["certificate-authority-data"] = base64.b64encode(serving_cert().ca_pem).decode()
        return entry

    def write_kubeconfig(self, path: str | Path) -> Path:
        """Write a kubeconfig for kubectl and kubernetes-asyncio (mode 0600: it has a token)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        target.chmod(0o600)
        return target

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._dispatch(request)
        except st.ApiError as e:
            return error_response(e)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as e:
            log.exception("apiserver_handler_failed", path=request.path)
            return error_response(st.internal_error(type(e).__name__))

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in _OPEN_PATHS:
            return web.Response(text="ok")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise st.unauthorized()
        parts = [p for p in path.split("/") if p]
        if request.method == "GET" and parts == ["openapi", "v2"]:
            if "protobuf" in request.headers.get("Accept", ""):
                return web.Response(body=openapi.v2_protobuf(), content_type=openapi.V2_PROTOBUF)
            return json_response(openapi.V2_DOCUMENT)
        if request.method == "GET":
            doc = self._document(parts) or self.tokens.document(parts)
            if doc is not None:
                return json_response(doc)
        token_for = self.tokens.match(request.method, parts)
        if token_for is not None:
            await self._check_faults(RequestInfo("create", "serviceaccounts", *token_for, "token"))
            return await self.tokens.handle(request, namespace=token_for[0], name=token_for[1])
        split = split_group_version(parts)
        if split is None or not split[2]:
            raise st.ApiError(404, "NotFound", "404 page not found")
        group, version, rest = split
        watch = request.query.get("watch", "").lower() in ("true", "1")
        target = resolve(
            self.registry,
            group=group,
            version=version,
            rest=rest,
            method=request.method,
            watch=watch,
        )
        info = RequestInfo(
            target.verb, target.rt.plural, target.namespace, target.name, target.subresource
        )
        await self._check_faults(info)
        return await self.resources.handle(request, target)

    async def _check_faults(self, info: RequestInfo) -> None:
        delay, error = self.faults.check(info)
        if delay:
            await asyncio.sleep(delay)
        if error is not None:
            raise error

    def _document(self, parts: list[str]) -> dict[str, Any] | None:
        """Discovery, version and OpenAPI documents; None for anything else."""
        reg = self.registry
        match parts:
            case ["version"]:
                return discovery.VERSION_INFO
            case ["api"]:
                return discovery.core_versions()
            case ["apis"]:
                return discovery.group_list(reg)
            case ["api", version]:
                return _or_404(discovery.resource_list(reg, "", version))
            case ["apis", group]:
                return _or_404(discovery.group(reg, group))
            case ["apis", group, version]:
                return _or_404(discovery.resource_list(reg, group, version))
            case ["openapi", "v3"]:
                return openapi.root(reg)
            case ["openapi", "v3", "api", version]:
                return _or_404(openapi.group_version_doc(reg, "", version))
            case ["openapi", "v3", "apis", group, version]:
                return _or_404(openapi.group_version_doc(reg, group, version))
            case ["openapi", *_]:
                raise st.ApiError(404, "NotFound", "404 page not found")
        return None


def _or_404(doc: dict[str, Any] | None) -> dict[str, Any]:
    if doc is None:
        raise st.ApiError(404, "NotFound", "404 page not found")
    return doc
