"""AWS clients for the ECR and STS generators, built as a store's are.

A generator's ``auth`` block has the shape of a store's (``secretRef``, ``jwt``) plus a
``role``, so it is turned into a stand-in namespaced SecretStore living in the reading
ExternalSecret's namespace and handed to the AWS provider's own ``principal.client_spec``:
credential Secrets and ServiceAccounts resolve in that namespace under the same rules, and
``role`` is assumed on top, as ESO's ``NewGeneratorSession`` does. Clients come from a
``SessionPool`` per service, one per credential identity, and stay warm between generations:
building a botocore client costs tens of milliseconds of CPU (measured ~70-100 ms per
generation when each built its own), which 10k ExternalSecrets refreshing hourly would pay
10k times an hour. ``WarmSlots`` bounds what stays: at most ``MAX_WARM`` identities, each
retired after ``IDLE_SECONDS`` without use (longer than the default 1 h refresh, so hourly
generators stay warm) and never while a call uses it. Every call is counted in ESO's
``externalsecret_provider_api_calls_count``.
AWS errors are sanitised by the provider's ``classify`` before they become messages.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Final

from eso.api.meta import ObjectMeta
from eso.api.secretstore import AWSAuth, SecretStore, SecretStoreProvider, SecretStoreSpec
from eso.api.secretstore import AWSProvider as AWSProviderSpec
from eso.clock import Clock, SystemClock
from eso.generators.base import GeneratorError, GeneratorRequest
from eso.metrics import ProviderMetrics
from eso.providers.aws.errors import classify
from eso.providers.aws.principal import client_spec
from eso.providers.aws.session import SessionPool, resolve_endpoint
from eso.providers.base import ProviderError, ProviderUnavailableError
from eso.settings import AWSSettings

ERR_CREATE_SESSION: Final = "unable to create aws session: {error}"
MAX_WARM: Final = 32  # distinct generator identities kept warm per service
IDLE_SECONDS: Final = 2 * 3600.0
# A stand-in store needs a service; it only names the principal, nothing reads it.
_STANDIN_SERVICE: Final = "SecretsManager"

AWSCall = Callable[[Any], Awaitable[Any]]


def standin_store(
    request: GeneratorRequest, *, region: str, auth: AWSAuth, role: str
) -> SecretStore:
    """The namespaced SecretStore whose principal the generator's ``auth`` and ``role`` name.

    Unlike a store, a generator with both ``secretRef`` and ``jwt`` uses ``secretRef`` (ESO's
    ``NewGeneratorSession`` reads it last); ESO's own ECR example sets both.
    """
    if auth.secret_ref is not None and auth.jwt is not None:
        auth = AWSAuth(secret_ref=auth.secret_ref)
    aws = AWSProviderSpec(service=_STANDIN_SERVICE, region=region, auth=auth, role=role)
    return SecretStore(
        metadata=ObjectMeta(name=request.name, namespace=request.namespace),
        spec=SecretStoreSpec(provider=SecretStoreProvider(aws=aws)),
    )


def failure(error: ProviderError, template: str) -> GeneratorError:
    """A sanitised provider error as ESO words it; transient when AWS may recover."""
    return GeneratorError(
        template.format(error=error), transient=isinstance(error, ProviderUnavailableError)
    )


class WarmSlots:
    """Which identities keep their client: least recently used beyond ``limit`` or idle past
    ``idle`` seconds are released, unless a call is using them."""

    def __init__(self, pool: SessionPool, *, clock: Clock, limit: int, idle: float) -> None:
        self._pool, self._clock, self._limit, self._idle = pool, clock, limit, idle
        self._last: OrderedDict[str, float] = OrderedDict()
        self._busy: dict[str, int] = {}
        self._lock = asyncio.Lock()

    def begin(self, identity: str) -> None:
        """A call on ``identity`` starts (after ``acquire``)."""
        self._busy[identity] = self._busy.get(identity, 0) + 1
        self._last[identity] = self._clock.now()
        self._last.move_to_end(identity)

    async def end(self, identity: str) -> None:
        """That call ended; release what is now cold."""
        self._busy[identity] -= 1
        if not self._busy[identity]:
            del self._busy[identity]
        self._last[identity] = self._clock.now()  # a use lasts until its call ends
        self._last.move_to_end(identity)
        async with self._lock:
            for cold in self._cold():
                del self._last[cold]
                await self._pool.release(cold)

    def _cold(self) -> list[str]:
        now, extra = self._clock.now(), len(self._last) - self._limit
        cold = []
        for identity, last in self._last.items():  # oldest first
            if identity in self._busy:
                continue
            if extra > 0 or now - last > self._idle:
                cold.append(identity)
                extra -= 1
        return cold


class AWSCaller:
    """Calls one AWS service as a generator's principal; one per service and process."""

    def __init__(
        self,
        *,
        service: str,
        label: str,
        endpoint_env: tuple[str, ...],
        settings: AWSSettings,
        metrics: ProviderMetrics,
        clock: Clock | None = None,
    ) -> None:
        self._pool = SessionPool(settings=settings, clock=clock, service=service)
        self._warm = WarmSlots(
            self._pool, clock=clock or SystemClock(), limit=MAX_WARM, idle=IDLE_SECONDS
        )
        self._label = label
        self._endpoint_env = endpoint_env
        self._metrics = metrics

    async def call(
        self,
        request: GeneratorRequest,
        store: SecretStore,
        *,
        name: str,
        do: AWSCall,
        error: str,
    ) -> Any:
        """``do(client)`` as ``store``'s principal, counted as call ``name``; raises
        ``GeneratorError`` worded with ``error`` (``{error}``: the sanitised cause)."""
        aws = store.spec.provider.aws
        assert aws is not None
        try:
            spec = await client_spec(
                store,
                aws,
                namespace=request.namespace,
                endpoint_url=resolve_endpoint(None, names=self._endpoint_env),
                get_secret=request.get_secret,
                get_token=request.get_token,
            )
        except ProviderError as e:
            raise failure(e, ERR_CREATE_SESSION) from None
        identity = spec.identity  # the slot: one warm client per principal
        try:
            shared = await self._pool.acquire(identity, spec)
        except Exception as e:
            raise failure(classify(e, what=name), ERR_CREATE_SESSION) from None
        self._warm.begin(identity)
        try:
            result = await do(shared.client)
        except Exception as e:
            self._metrics.api_calls.labels(self._label, name, "error").inc()
            raise failure(classify(e, what=name), error) from None
        finally:
            await self._warm.end(identity)
        self._metrics.api_calls.labels(self._label, name, "success").inc()
        return result

    async def close(self) -> None:
        """Close every client still open (shutdown); safe to call twice."""
        await self._pool.close()
