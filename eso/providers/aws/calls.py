"""The one way eso calls AWS: every operation through the identity's rate and retry policy.

``GuardedClient`` wraps an aiobotocore client; each of its API operations (``get_secret_value``,
``get_parameters``, ``assume_role``, and the write calls PushSecret adds) becomes one guarded
call, so a module that calls AWS through a pooled client gets throttling and retries without
knowing about them. A guarded call:

1. takes a token from the identity's ``AdaptiveRate`` (``throttle.py``), waiting if AWS has
   throttled this identity recently - the rate is shared by every worker and store using it;
2. sends the request with botocore retries off (the pool configures one attempt), so an
   attempt here is exactly one request on the wire;
3. on a throttled answer tells the rate (which slows the identity) and on success lets it
   probe for room;
4. retries what may heal (throttling, 5xx, timeouts, connection errors) after the store's
   ``RetryPolicy`` delay (``retries.py``: ESO's ``retrySettings`` semantics), at most
   ``attempts`` times in all, and otherwise re-raises the botocore error unchanged, so callers
   classify it as before (``errors.py``).

ESO counts its Secrets Manager and Parameter Store calls in
``externalsecret_provider_api_calls_count`` (once per SDK call, after the SDK's retries) but not
the STS calls its credential providers make (its ``auth`` package never observes them and its
constants name no STS call), so eso counts them nowhere either and the counter keeps ESO's
values; STS throttling still shows, as provider ``AWS/STS`` in
``eso_provider_throttled_calls_total``.

Paginators and waiters are not wrapped (eso pages by hand); anything that is not an API
operation passes through. ``guarded_creator`` does the same for clients created per use, like
the STS clients botocore's AssumeRole credential fetcher opens for each refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from eso.clock import Clock
from eso.providers.aws.errors import classify, error_code
from eso.providers.aws.retries import RetryPolicy
from eso.providers.aws.throttle import HTTP_TOO_MANY_REQUESTS, THROTTLE_CODES, AdaptiveRate
from eso.providers.base import ProviderUnavailableError


def is_throttle(e: BaseException) -> bool:
    """Whether AWS answered "slow down" (a throttling code, or HTTP 429)."""
    if not isinstance(e, ClientError):
        return False
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error_code(e) in THROTTLE_CODES or status == HTTP_TOO_MANY_REQUESTS


def is_retryable(e: BaseException) -> bool:
    """Throttling, and whatever ``errors.classify`` calls transient (5xx, network, timeouts)."""
    return is_throttle(e) or isinstance(classify(e, what=""), ProviderUnavailableError)


class Guard:
    """The rate and retry policy every call of one client goes through."""

    def __init__(self, *, rate: AdaptiveRate, policy: RetryPolicy, clock: Clock) -> None:
        self.rate = rate
        self.policy = policy
        self._clock = clock

    async def call(self, method: Callable[..., Any], /, **params: Any) -> Any:
        """``await method(**params)`` under the rate, retried per the policy."""
        attempt = 1
        while True:
            reserved_at = await self.rate.acquire()
            try:
                resp = await method(**params)
            except Exception as e:
                if is_throttle(e):
                    self.rate.on_throttle(reserved_at)
                if attempt >= self.policy.attempts or not is_retryable(e):
                    raise
                await self._clock.sleep(self.policy.delay(attempt))
                attempt += 1
                continue
            self.rate.on_success()
            return resp


class GuardedClient:
    """An aiobotocore client whose API operations all go through one ``Guard``."""

    def __init__(self, client: Any, *, guard: Guard) -> None:
        self._client = client
        self._guard = guard
        self._operations = frozenset(client.meta.method_to_api_mapping)

    @property
    def unguarded(self) -> Any:
        """The wrapped client (for its lifecycle; calls on it bypass the guard)."""
        return self._client

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in self._operations:
            return attr

        async def guarded(**params: Any) -> Any:
            return await self._guard.call(attr, **params)

        return guarded


class _GuardedContext:
    """``async with creator(...) as client`` where ``client`` comes out guarded."""

    def __init__(self, context: Any, *, guard: Guard) -> None:
        self._context = context
        self._guard = guard

    async def __aenter__(self) -> GuardedClient:
        return GuardedClient(await self._context.__aenter__(), guard=self._guard)

    async def __aexit__(self, *exc: object) -> Any:
        return await self._context.__aexit__(*exc)


def guarded_creator(create: Callable[..., Any], *, guard: Guard) -> Callable[..., Any]:
    """``create`` (a session's ``create_client``), whose clients come out guarded."""

    def creator(*args: Any, **kwargs: Any) -> _GuardedContext:
        return _GuardedContext(create(*args, **kwargs), guard=guard)

    return creator
