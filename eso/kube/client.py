"""The async Kubernetes client eso runs on: plain dicts over one aiohttp session.

Why not kubernetes-asyncio's generated API classes: they deserialize every object into model
instances (several times the memory of a dict, and slow for 10k objects), and they know nothing
of our CRDs. We keep its config/auth loading (``eso.kube.config``) and do HTTP ourselves.

Contracts:
- Objects in and out are the API server's JSON as ``dict`` (camelCase).
- Errors are typed (``eso.kube.errors``). Transient ones (429, 5xx but 501, timeouts,
  connection errors) are retried inside the client (``eso.kube.transport``) with jittered
  exponential backoff, at most ``settings.max_retries`` times, for idempotent verbs (GET, LIST,
  PUT, PATCH, DELETE) and for POST only on 429 (the server did not process it); then they
  surface. ``Retry-After`` is honoured. Watches are not retried: informers own that.
- Every request, retries included, takes a token from one client-wide bucket (qps/burst). A
  watch takes one to start and none while it streams.
- ``rest_client_requests_total{verb,resource,code}`` counts every attempt;
  ``rest_client_request_duration_seconds{verb,resource}`` times it.
- Methods take the ``Resource`` first and everything else by keyword; ``create``/``replace``
  default ``namespace``/``name`` to the body's metadata.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, Literal

import aiohttp
import structlog
from prometheus_client import CollectorRegistry

from eso.clock import Clock
from eso.kube.config import ClusterConfig, load_cluster_config
from eso.kube.errors import Gone
from eso.kube.resources import SERVICE_ACCOUNTS, Resource
from eso.kube.transport import Transport, chunks
from eso.kube.watchstream import iter_json_lines
from eso.metrics import ClientMetrics
from eso.settings import ClientSettings

log = structlog.get_logger(__name__)

Obj = dict[str, Any]
PatchType = Literal["merge", "json", "strategic", "apply"]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
# Fall back to full objects from servers without PartialObjectMetadata support; informers
# strip those to metadata so memory and secrecy guarantees hold either way.
ACCEPT_META = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
ACCEPT_META_LIST = (
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
)
DEFAULT_FIELD_MANAGER = "external-secrets"


class KubeClient:
    """One cluster connection; create with ``await KubeClient.from_config(...)``, ``close`` it."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        settings: ClientSettings,
        metrics: ClientMetrics,
        clock: Clock | None = None,
        user_agent: str = "eso/0.1",
    ) -> None:
        self._t = Transport(
            config, settings=settings, metrics=metrics, clock=clock, user_agent=user_agent
        )

    @classmethod
    async def from_config(
        cls,
        *,
        kubeconfig: str | None = None,
        settings: ClientSettings | None = None,
        metrics: ClientMetrics | None = None,
        clock: Clock | None = None,
    ) -> KubeClient:
        """Load configuration in the standard order (see ``eso.kube.config``) and connect."""
        config = await load_cluster_config(kubeconfig)
        return cls(
            config,
            settings=settings or ClientSettings(),
            metrics=metrics or ClientMetrics(CollectorRegistry()),
            clock=clock,
        )

    @property
    def host(self) -> str:
        return self._t.host

    async def close(self) -> None:
        """Close the HTTP session; in-flight watches end with ``KubeConnectionError``."""
        await self._t.close()

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----------------------------------------------------------------- reads

    async def get(
        self,
        resource: Resource,
        *,
        name: str,
        namespace: str | None = None,
        subresource: str | None = None,
        metadata_only: bool = False,
    ) -> Obj:
        """One object; raises ``NotFound``."""
        return await self._t.request(
            "GET",
            resource,
            path=resource.path(namespace, name, subresource),
            accept=ACCEPT_META if metadata_only else None,
        )

    async def list(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        metadata_only: bool = False,
    ) -> Obj:
        """One List page (``items``, ``metadata.resourceVersion``, ``metadata.continue``)."""
        params = _params(
            labelSelector=label_selector,
            fieldSelector=field_selector,
            limit=limit,
            resourceVersion=resource_version,
        )
        if continue_:
            params["continue"] = continue_
        return await self._t.request(
            "GET",
            resource,
            verb="LIST",
            path=resource.path(namespace),
            params=params,
            accept=ACCEPT_META_LIST if metadata_only else None,
        )

    async def list_all(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
        metadata_only: bool = False,
    ) -> Obj:
        """Every page as one List; all pages come from one consistent snapshot.

        If the continue token expires mid-way (410), falls back to one unpaged list, as
        client-go's pager does.
        """
        query = {
            "namespace": namespace,
            "label_selector": label_selector,
            "field_selector": field_selector,
            "metadata_only": metadata_only,
        }
        items: list[Obj] = []
        token: str | None = None
        while True:
            try:
                page = await self.list(resource, limit=page_size, continue_=token, **query)  # type: ignore[arg-type]
            except Gone:
                if token is None:
                    raise
                log.info("list_continue_expired", resource=resource.plural)
                return await self.list(resource, **query)  # type: ignore[arg-type]
            items.extend(page.get("items") or ())
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                page["items"] = items
                page.setdefault("metadata", {}).pop("continue", None)
                return page

    async def watch(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        resource_version: str | None = None,
        allow_bookmarks: bool = True,
        timeout_seconds: int | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        metadata_only: bool = False,
        read_timeout: float | None = None,
    ) -> AsyncGenerator[Obj, None]:
        """Stream watch events ``{"type", "object"}`` until the server ends the watch.

        ``ERROR`` events (e.g. a Status with code 410) are yielded as they come; the caller
        decides. ``read_timeout`` bounds the silence between chunks (``KubeTimeout``), which
        detects dead connections. Use ``contextlib.aclosing`` when breaking out early.
        """
        params = _params(
            watch="true",
            resourceVersion=resource_version,
            allowWatchBookmarks="true" if allow_bookmarks else None,
            timeoutSeconds=timeout_seconds,
            labelSelector=label_selector,
            fieldSelector=field_selector,
        )
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._t.settings.request_timeout, sock_read=read_timeout
        )
        resp = await self._t.open_stream(
            resource,
            verb="WATCH",
            path=resource.path(namespace),
            params=params,
            accept=ACCEPT_META if metadata_only else None,
            client_timeout=timeout,
        )
        try:
            async for event in iter_json_lines(chunks(resp)):
                yield event
        finally:
            resp.release()

    # ---------------------------------------------------------------- writes

    async def create(
        self,
        resource: Resource,
        *,
        body: Obj,
        namespace: str | None = None,
        field_manager: str | None = DEFAULT_FIELD_MANAGER,
    ) -> Obj:
        """POST; raises ``AlreadyExists``. ``namespace`` defaults to the body's."""
        ns = namespace or _meta(body).get("namespace")
        return await self._t.request(
            "POST",
            resource,
            path=resource.path(ns),
            params=_params(fieldManager=field_manager),
            body=body,
        )

    async def create_token(
        self,
        *,
        namespace: str,
        name: str,
        audiences: Sequence[str],
        expiration_seconds: int | None = None,
    ) -> Obj:
        """TokenRequest (``POST .../serviceaccounts/{name}/token``); the TokenRequest back.

        Raises ``NotFound`` for a missing ServiceAccount. The token is in ``status.token``:
        callers must never log the response.
        """
        spec: dict[str, Any] = {"audiences": list(audiences)}
        if expiration_seconds is not None:
            spec["expirationSeconds"] = expiration_seconds
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
        return await self._t.request(
            "POST",
            SERVICE_ACCOUNTS,
            path=SERVICE_ACCOUNTS.path(namespace, name, "token"),
            body=body,
        )

    async def replace(
        self,
        resource: Resource,
        *,
        body: Obj,
        name: str | None = None,
        namespace: str | None = None,
        field_manager: str | None = DEFAULT_FIELD_MANAGER,
    ) -> Obj:
        """PUT; with ``metadata.resourceVersion`` set, raises ``Conflict`` if it moved."""
        meta = _meta(body)
        path = resource.path(namespace or meta.get("namespace"), name or meta["name"])
        params = _params(fieldManager=field_manager)
        return await self._t.request("PUT", resource, path=path, params=params, body=body)

    async def patch(
        self,
        resource: Resource,
        *,
        name: str,
        body: Any,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str | None = DEFAULT_FIELD_MANAGER,
        force: bool | None = None,
    ) -> Obj:
        """PATCH with a merge, JSON, strategic-merge or server-side-apply body."""
        params = _params(fieldManager=field_manager, force="true" if force else None)
        return await self._t.request(
            "PATCH",
            resource,
            path=resource.path(namespace, name, subresource),
            params=params,
            body=body,
            content_type=PATCH_CONTENT_TYPES[patch_type],
        )

    async def delete(
        self,
        resource: Resource,
        *,
        name: str,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        preconditions: Mapping[str, str] | None = None,
    ) -> Obj:
        """DELETE; returns the Status or the object (with finalizers pending).

        ``preconditions`` is ``{"uid": ..., "resourceVersion": ...}``; a mismatch is
        ``Conflict``. Raises ``NotFound``.
        """
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if preconditions:
            options["preconditions"] = dict(preconditions)
        return await self._t.request(
            "DELETE", resource, path=resource.path(namespace, name), body=options
        )


def _params(**values: object) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None}


def _meta(body: Obj) -> dict[str, Any]:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        raise ValueError("object has no metadata")
    return meta
