"""HTTP for the Kubernetes client: auth, rate limit, retries, typed errors, metrics.

Split from ``client.py`` so the verbs there read as paths and parameters. One ``Transport``
owns the aiohttp session (TLS from the loaded configuration), the client-wide token bucket,
and the retry policy:

- transient errors (429, 5xx but 501, timeouts, connection errors) are retried up to
  ``max_retries`` times with jittered exponential backoff (0.2 s doubling, capped at 10 s, at
  least the server's Retry-After), for idempotent methods and for POST on 429 only;
- a 401 re-runs an exec credential plugin once (its token may be revoked before expiry);
- every attempt takes a token and is counted in ``rest_client_*``.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import structlog
from prometheus_client import Counter, Histogram

from eso.clock import Clock, SystemClock
from eso.kube.config import ClusterConfig
from eso.kube.errors import (
    ApiError,
    KubeConnectionError,
    KubeError,
    KubeTimeout,
    TooManyRequests,
    Unauthorized,
    error_from_response,
    is_transient,
)
from eso.kube.resources import Resource
from eso.kube.throttle import TokenBucket
from eso.metrics import ClientMetrics
from eso.settings import ClientSettings

log = structlog.get_logger(__name__)

Obj = dict[str, Any]
T = TypeVar("T")
_BACKOFF_BASE = 0.2
_BACKOFF_CAP = 10.0
_RETRY_AFTER_CAP = 60.0
_IDEMPOTENT = frozenset({"GET", "PUT", "PATCH", "DELETE"})


class Transport:
    """Sends requests for ``KubeClient``; see the module docstring for the policy."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        settings: ClientSettings,
        metrics: ClientMetrics,
        clock: Clock | None = None,
        user_agent: str = "eso/0.1",
    ) -> None:
        self._config = config
        self._settings = settings
        self._metrics = metrics
        # (verb, resource, code) -> its two series: a few dozen combinations, looked up on
        # every request (labels() takes a lock and builds a key each time)
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self._clock = clock or SystemClock()
        self._bucket = TokenBucket(settings.qps, burst=settings.burst, clock=self._clock)
        self._base = config.host
        self._server_hostname = config.configuration.tls_server_name or None
        self._proxy = config.configuration.proxy or None
        connector = aiohttp.TCPConnector(ssl=config.ssl_context() or False, limit=256)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": user_agent}
        )

    @property
    def host(self) -> str:
        return self._base

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    async def close(self) -> None:
        await self._session.close()

    async def request(
        self,
        method: str,
        resource: Resource,
        *,
        path: str,
        verb: str | None = None,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str | None = None,
    ) -> Obj:
        """One request with retries (a body that fails mid-read is retried too); decoded JSON."""
        verb = verb or method
        data = _encode(body)

        async def once() -> Obj:
            resp = await self._attempt(
                method, resource, verb, path, params, data, content_type, accept, None
            )
            try:
                raw = await resp.read()
            except TimeoutError as e:
                raise KubeTimeout(f"{verb} {path}: response body timed out") from e
            except aiohttp.ClientError as e:
                raise KubeConnectionError(f"{verb} {path}: reading response: {e!r}") from e
            finally:
                resp.release()
            result: Obj = json.loads(raw) if raw else {}
            return result

        return await self._with_retries(
            once, method=method, verb=verb, path=path, attempts=self._settings.max_retries + 1
        )

    async def open_stream(
        self,
        resource: Resource,
        *,
        verb: str,
        path: str,
        params: dict[str, str] | None = None,
        accept: str | None = None,
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> aiohttp.ClientResponse:
        """GET without retries (the caller owns retry policy); a 2xx response to stream from.

        The caller must ``release()`` the response.
        """
        return await self._with_retries(
            lambda: self._attempt(
                "GET", resource, verb, path, params, None, "", accept, client_timeout
            ),
            method="GET",
            verb=verb,
            path=path,
            attempts=1,
        )

    async def _with_retries(
        self,
        once: Callable[[], Awaitable[T]],
        *,
        method: str,
        verb: str,
        path: str,
        attempts: int,
    ) -> T:
        refreshed = False
        attempt = 0
        while True:
            try:
                return await once()
            except Unauthorized:
                if refreshed or not await self._config.force_refresh():
                    raise
                refreshed = True
            except KubeError as e:
                attempt += 1
                if attempt >= attempts or not _retryable(method, e):
                    raise
                delay = _backoff(attempt, e)
                log.debug("kube_request_retry", verb=verb, path=path, error=str(e), delay=delay)
                await self._clock.sleep(delay)

    async def _attempt(
        self,
        method: str,
        resource: Resource,
        verb: str,
        path: str,
        params: dict[str, str] | None,
        data: bytes | None,
        content_type: str,
        accept: str | None,
        client_timeout: aiohttp.ClientTimeout | None,
    ) -> aiohttp.ClientResponse:
        await self._bucket.acquire()
        headers = {"Accept": accept or "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        auth = await self._config.authorization()
        if auth:
            headers["Authorization"] = auth
        timeout = client_timeout or aiohttp.ClientTimeout(total=self._settings.request_timeout)
        start = self._clock.now()
        code = "<error>"
        try:
            resp = await self._session.request(
                method,
                self._base + path,
                params=params,
                data=_payload(data),
                headers=headers,
                timeout=timeout,
                proxy=self._proxy,
                server_hostname=self._server_hostname,
            )
        except TimeoutError as e:
            raise KubeTimeout(f"{verb} {path}: no response") from e
        except aiohttp.ClientError as e:
            raise KubeConnectionError(f"{verb} {path}: {e!r}") from e
        else:
            code = str(resp.status)
            if resp.status >= 400:
                raise await _error(resp)
            return resp
        finally:
            requests, latency = self._series_of(verb, resource.plural, code)
            requests.inc()
            latency.observe(self._clock.now() - start)

    def _series_of(self, verb: str, plural: str, code: str) -> tuple[Counter, Histogram]:
        series = self._series.get((verb, plural, code))
        if series is None:
            series = (
                self._metrics.requests.labels(verb, plural, code),
                self._metrics.latency.labels(verb, plural),
            )
            self._series[(verb, plural, code)] = series
        return series


async def _error(resp: aiohttp.ClientResponse) -> ApiError:
    try:
        body = await resp.read()
    except (aiohttp.ClientError, TimeoutError):
        body = b""
    finally:
        resp.release()
    return error_from_response(resp.status, body, resp.headers)


async def chunks(resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in resp.content.iter_any():
            yield chunk
    except TimeoutError as e:
        raise KubeTimeout("watch: no data within the read timeout") from e
    except aiohttp.ClientError as e:
        raise KubeConnectionError(f"watch stream broke: {e!r}") from e


# aiohttp warns (an error in our tests) when a bytes body over 1 MiB is sent directly, since
# it copies it on the event loop; a Secret near its 1 MiB data limit is ~1.4 MB of JSON.
_LARGE_BODY = 1024 * 1024


def _payload(data: bytes | None) -> bytes | io.BytesIO | None:
    """The request body as aiohttp wants it; a fresh stream per attempt, so retries work."""
    if data is not None and len(data) > _LARGE_BODY:
        return io.BytesIO(data)
    return data


def _encode(body: Any) -> bytes | None:
    return None if body is None else json.dumps(body, separators=(",", ":")).encode()


def _retryable(method: str, exc: KubeError) -> bool:
    if not is_transient(exc):
        return False
    return method in _IDEMPOTENT or isinstance(exc, TooManyRequests)


def _backoff(attempt: int, exc: BaseException) -> float:
    """Jittered exponential delay; at least the server's Retry-After when it sent one."""
    ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), _RETRY_AFTER_CAP))
    return delay
