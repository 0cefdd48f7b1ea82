"""A small Kubernetes REST client for tests: dicts in, dicts out, errors carry the Status.

The control plane's own tests cannot use ``eso.kube`` (that is what they help judge), and
setup code in other integration tests wants something plain. Connection details come from
kubernetes-asyncio's kubeconfig loader, so the same client talks to the local control plane
(bearer token, http) and to a real cluster (client certificates, CA bundle, exec plugins).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from kubernetes_asyncio import client as k8s_client
from kubernetes_asyncio import config as k8s_config

JSONDict = dict[str, Any]
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}
METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io"


class ApiStatusError(Exception):
    """A non-2xx answer: ``status`` (HTTP code), ``body`` (the Status dict), ``reason``."""

    def __init__(self, status: int, body: Any, *, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body: JSONDict = body if isinstance(body, dict) else {"message": str(body)}
        self.headers = headers or {}
        self.reason: str = self.body.get("reason", "")
        self.message: str = self.body.get("message", "")
        super().__init__(f"{status} {self.reason}: {self.message}")


def resource_path(
    api_version: str,
    plural: str,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """``/api/v1/namespaces/ns/secrets/x/status`` from its parts."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    parts = [base]
    if namespace is not None:
        parts.append(f"namespaces/{namespace}")
    parts.append(plural)
    if name is not None:
        parts.append(name)
    if subresource is not None:
        parts.append(subresource)
    return "/".join(parts)


def _params(**kw: Any) -> dict[str, str]:
    out = {}
    for key, value in kw.items():
        if value is None or value is False:
            continue
        out[key] = "true" if value is True else str(value)
    return out


async def load_configuration(kubeconfig: str | Path) -> Any:
    """A kubernetes-asyncio ``Configuration`` for the kubeconfig's current context."""
    cfg = k8s_client.Configuration()
    await k8s_config.load_kube_config(
        config_file=str(kubeconfig), client_configuration=cfg, persist_config=False
    )
    return cfg


def _ssl_context(cfg: Any) -> ssl.SSLContext | bool:
    if not cfg.host.startswith("https"):
        return False
    ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert or None)
    if cfg.cert_file:
        ctx.load_cert_chain(cfg.cert_file, cfg.key_file)
    if not cfg.verify_ssl:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class RawClient:
    """Async REST client; use ``async with await RawClient.from_kubeconfig(path)``."""

    def __init__(self, cfg: Any) -> None:
        self._cfg = cfg
        self.host: str = cfg.host.rstrip("/")
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=_ssl_context(cfg), limit=50)
        )

    @classmethod
    async def from_kubeconfig(cls, kubeconfig: str | Path) -> RawClient:
        return cls(await load_configuration(kubeconfig))

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session (TLS and connection pool) requests go through, for ``ApiProxy``."""
        return self._session

    async def auth_headers(self, accept: str) -> dict[str, str]:
        """``Accept`` and the credentials' ``Authorization`` header, as every request sends."""
        return await self._headers(accept)

    async def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {"Accept": accept}
        auth = await self._cfg.auth_settings()
        token = auth.get("BearerToken", {}).get("value")
        if token:
            headers["Authorization"] = token
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        auth: bool = True,
        warnings: list[str] | None = None,
    ) -> Any:
        """One request; the decoded JSON body, or ``ApiStatusError`` for non-2xx.

        ``warnings``, when given, receives the answer's ``Warning`` headers.
        """
        headers = await self._headers(accept) if auth else {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        async with self._session.request(
            method, self.host + path, params=params, data=data, headers=headers
        ) as resp:
            if warnings is not None:
                warnings += resp.headers.getall("Warning", [])
            text = await resp.text()
            try:
                decoded = json.loads(text) if text else None
            except ValueError:
                decoded = text
            if resp.status >= 400:
                raise ApiStatusError(resp.status, decoded, headers=dict(resp.headers))
            return decoded

    async def get(
        self,
        api_version: str,
        plural: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        metadata_only: bool = False,
    ) -> JSONDict:
        path = resource_path(
            api_version, plural, namespace=namespace, name=name, subresource=subresource
        )
        accept = METADATA_ACCEPT if metadata_only else "application/json"
        result: JSONDict = await self.request("GET", path, accept=accept)
        return result

    async def list(
        self,
        api_version: str,
        plural: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        metadata_only: bool = False,
        table: bool = False,
    ) -> JSONDict:
        params = _params(
            labelSelector=label_selector,
            fieldSelector=field_selector,
            limit=limit,
            resourceVersion=resource_version,
        )
        if continue_:
            params["continue"] = continue_
        accept = METADATA_LIST_ACCEPT if metadata_only else "application/json"
        accept = TABLE_ACCEPT if table else accept
        path = resource_path(api_version, plural, namespace=namespace)
        result: JSONDict = await self.request("GET", path, params=params, accept=accept)
        return result

    async def create(
        self,
        api_version: str,
        plural: str,
        body: JSONDict,
        *,
        namespace: str | None = None,
        field_validation: str | None = None,
        dry_run: bool = False,
    ) -> JSONDict:
        params = _params(fieldValidation=field_validation, dryRun="All" if dry_run else None)
        path = resource_path(api_version, plural, namespace=namespace)
        result: JSONDict = await self.request("POST", path, params=params, body=body)
        return result

    async def update(
        self,
        api_version: str,
        plural: str,
        body: JSONDict,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> JSONDict:
        path = resource_path(
            api_version,
            plural,
            namespace=namespace,
            name=body["metadata"]["name"],
            subresource=subresource,
        )
        result: JSONDict = await self.request("PUT", path, body=body)
        return result

    async def patch(
        self,
        api_version: str,
        plural: str,
        name: str,
        patch: Any,
        *,
        namespace: str | None = None,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> JSONDict:
        path = resource_path(
            api_version, plural, namespace=namespace, name=name, subresource=subresource
        )
        content_type = PATCH_TYPES.get(patch_type, patch_type)
        result: JSONDict = await self.request("PATCH", path, body=patch, content_type=content_type)
        return result

    async def delete(
        self,
        api_version: str,
        plural: str,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        preconditions: JSONDict | None = None,
    ) -> JSONDict:
        """The answer body: the object (possibly only marked for deletion) or a Status."""
        body: JSONDict = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if preconditions:
            body["preconditions"] = preconditions
        path = resource_path(api_version, plural, namespace=namespace, name=name)
        result: JSONDict = await self.request("DELETE", path, body=body)
        return result

    def watch(
        self,
        api_version: str,
        plural: str,
        *,
        namespace: str | None = None,
        resource_version: str | None = None,
        allow_bookmarks: bool = False,
        timeout_seconds: int | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        metadata_only: bool = False,
    ) -> WatchStream:
        """A watch; ``async with client.watch(...) as w: event = await w.next()``."""
        params = _params(
            watch=True,
            resourceVersion=resource_version,
            allowWatchBookmarks=allow_bookmarks,
            timeoutSeconds=timeout_seconds,
            labelSelector=label_selector,
            fieldSelector=field_selector,
        )
        accept = METADATA_ACCEPT if metadata_only else "application/json"
        path = resource_path(api_version, plural, namespace=namespace)
        return WatchStream(self, path, params=params, accept=accept)


class WatchStream:
    """One open watch. ``next`` waits at most ``timeout`` seconds; None at end of stream."""

    def __init__(self, client: RawClient, path: str, *, params: dict[str, str], accept: str):
        self._client = client
        self._path = path
        self._params = params
        self._accept = accept
        self._resp: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> WatchStream:
        c = self._client
        headers = await c._headers(self._accept)
        resp = await c._session.get(
            c.host + self._path,
            params=self._params,
            headers=headers,
            timeout=aiohttp.ClientTimeout(),
        )
        if resp.status >= 400:
            text = await resp.text()
            resp.release()
            raise ApiStatusError(resp.status, json.loads(text) if text else None)
        self._resp = resp
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._resp is not None:
            self._resp.close()

    async def next(self, *, timeout: float = 10.0) -> JSONDict | None:  # noqa: ASYNC109
        """The next event ``{"type", "object"}``; None when the server ended the stream."""
        assert self._resp is not None, "use: async with client.watch(...) as w"
        while True:
            line = await asyncio.wait_for(self._resp.content.readline(), timeout)
            if not line:
                return None
            if line.strip():
                event: JSONDict = json.loads(line)
                return event

    async def next_matching(
        self,
        predicate: Callable[[JSONDict], bool],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSONDict:
        """Skip events until one satisfies ``predicate``; TimeoutError after ``timeout`` s."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next(timeout=timeout)
                if event is None:
                    raise EOFError("watch ended")
                if predicate(event):
                    return event

    def __aiter__(self) -> AsyncIterator[JSONDict]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[JSONDict]:
        while (event := await self.next(timeout=3600)) is not None:
            yield event
