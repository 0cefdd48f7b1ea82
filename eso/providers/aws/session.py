"""aiobotocore clients shared across reconciles, one per credential identity.

Creating a botocore client costs milliseconds of CPU and a fresh connection pool (TLS
handshakes); ESO builds one per reconcile. Here a client lives as long as some store uses its
*credential identity*: a digest of everything that decides which principal calls which
endpoint (access key id, secret key, session token, region, endpoints, roles and their options).
Stores with the same credentials share one client and one connection pool.

Each store occupies a *slot*; when a store's credential Secret changes, its next
``acquire`` computes a new identity, the slot moves to a new client, and an identity no slot
uses any more is retired: its client is closed and ``on_retire`` lets the provider flush that
identity's cached values. A deleted store's slot is given back with ``release`` (same
retirement rule), so clients of deleted stores do not pile up. ``close`` closes everything at
shutdown.

Endpoint override, in order: ``AWSSettings.endpoint_url``, then the standard
``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ESO's ``AWS_SECRETSMANAGER_ENDPOINT``, the standard
``AWS_ENDPOINT_URL``. These are read here, when a client is built, because they are the AWS
SDK's own configuration (botocore reads the same variables); they are part of the identity.
STS (for ``role`` and ``auth.jwt``) likewise: ``AWS_ENDPOINT_URL_STS``, ESO's
``AWS_STS_ENDPOINT``, ``AWS_ENDPOINT_URL``. A pool serves one AWS service (``service``, Secrets
Manager by default); Parameter Store has a pool of its own (``ssm``), whose endpoint comes from
``AWS_ENDPOINT_URL_SSM``, ESO's ``AWS_SSM_ENDPOINT``, then ``AWS_ENDPOINT_URL``.

With ``auth.jwt`` the identity covers the ServiceAccount (namespace, name, uid), the role of its
annotation and the audiences, never the token: tokens and STS credentials are refreshed inside
one client (``webidentity.py``), while a recreated ServiceAccount or a changed annotation is a
new principal and so a new client.

Every client comes out wrapped in ``calls.GuardedClient``: its calls (and the STS calls that
fetch its credentials) take tokens from the adaptive rate of its *principal* - the identity
without the store's retry policy, so stores that share credentials but not ``retrySettings``
still share one rate - and are retried per the store's ``RetryPolicy``. botocore itself is
configured with one attempt per call (``total_max_attempts: 1``): its standard mode would retry
throttled calls up to 3 times on its own, behind the shared rate's back, multiplying the load
AWS asked us to shed. A pool keeps one rate per principal and API (the service, ``sts``) while
some client uses the principal.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Hashable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
from aiobotocore.config import AioConfig
from aiobotocore.credentials import (
    AioAssumeRoleCredentialFetcher,
    AioCredentials,
    AioDeferredRefreshableCredentials,
)
from aiobotocore.session import AioSession
from botocore import UNSIGNED

from eso.clock import Clock, SystemClock
from eso.metrics.provider import ThrottleSample
from eso.providers.aws.auth import StaticCredentials
from eso.providers.aws.botodata import new_session
from eso.providers.aws.calls import Guard, GuardedClient, guarded_creator
from eso.providers.aws.retries import DEFAULT_POLICY, RetryPolicy
from eso.providers.aws.throttle import AdaptiveRate, RateTuning
from eso.providers.aws.webidentity import WebIdentity, WebIdentityCredentials
from eso.providers.base import AuthError, ServiceAccountTokenGetter
from eso.settings import AWSSettings

log = structlog.get_logger(__name__)

SERVICE = "secretsmanager"
ROLE_SESSION_NAME = "external-secrets-eso"
MSG_NO_SOURCE_CREDENTIALS = (
    "no credentials to assume the role with (no auth.secretRef, and the default chain found none)"
)
# Keys the identity digest: a digest logged by one process cannot be matched against another's,
# and nobody can test a guessed key against a logged digest.
_IDENTITY_KEY = os.urandom(16)
ENDPOINT_ENV = (
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_SECRETSMANAGER_ENDPOINT",
    "AWS_ENDPOINT_URL",
)
STS_ENDPOINT_ENV = ("AWS_ENDPOINT_URL_STS", "AWS_STS_ENDPOINT", "AWS_ENDPOINT_URL")
# Parameter Store: the SDK's own variable, ESO's AWS_SSM_ENDPOINT, then the global one.
SSM_SERVICE = "ssm"
SSM_ENDPOINT_ENV = ("AWS_ENDPOINT_URL_SSM", "AWS_SSM_ENDPOINT", "AWS_ENDPOINT_URL")
STS_PROVIDER_LABEL = "AWS/STS"
STS_API = "sts"  # the rate key of a principal's STS calls (AssumeRole, ...WithWebIdentity)


def resolve_endpoint(
    explicit: str | None,
    *,
    names: tuple[str, ...] = ENDPOINT_ENV,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The endpoint override in effect (``None``: the SDK's regional endpoint)."""
    if explicit:
        return explicit
    env = os.environ if environ is None else environ
    return next((env[n] for n in names if env.get(n)), None)


@dataclass(frozen=True)
class ClientSpec:
    """Everything that decides which principal calls which endpoint."""

    region: str
    endpoint_url: str | None = None
    credentials: StaticCredentials | None = None
    roles: tuple[str, ...] = ()  # additionalRoles in order, then role: assumed in turn
    external_id: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    sts_endpoint_url: str | None = None
    web_identity: WebIdentity | None = None
    retry: RetryPolicy = DEFAULT_POLICY  # spec.retrySettings: part of the client, not the principal
    # How web identity tokens are obtained; not part of the identity (same principal).
    get_token: ServiceAccountTokenGetter | None = field(default=None, compare=False, repr=False)

    @property
    def identity(self) -> str:
        """A digest naming this principal+endpoint and retry policy; safe to log."""
        return self._digest([self.principal, self.retry.attempts, self.retry.interval])

    @property
    def principal(self) -> str:
        """A digest naming this principal+endpoint (what AWS throttles); safe to log."""
        c = self.credentials
        material = [
            c.access_key_id if c else None,
            c.secret_access_key if c else None,
            c.session_token if c else None,
            self.region,
            self.endpoint_url,
            self.roles,
            self.external_id,
            self.session_tags,
            self.transitive_tag_keys,
            self.sts_endpoint_url,
            self.web_identity.material() if self.web_identity else None,
        ]
        return self._digest(material)

    @staticmethod
    def _digest(material: list[Any]) -> str:
        digest = hashlib.blake2b(json.dumps(material).encode(), key=_IDENTITY_KEY, digest_size=16)
        return digest.hexdigest()


@dataclass
class SharedClient:
    """One aiobotocore Secrets Manager client and what it was built from."""

    identity: str
    spec: ClientSpec
    client: Any  # a GuardedClient over aiobotocore's (whose class has no static type)
    stack: AsyncExitStack = field(repr=False)
    slots: set[Hashable] = field(default_factory=set, repr=False)

    async def aclose(self) -> None:
        """Close the client and its connection pool; in-flight calls on it fail."""
        await self.stack.aclose()


def _role_options(spec: ClientSpec) -> dict[str, Any]:
    """ExternalId, Tags and TransitiveTagKeys of the final AssumeRole (ESO's rules)."""
    options: dict[str, Any] = {}
    if spec.external_id:
        options["ExternalId"] = spec.external_id
    if spec.session_tags:
        options["Tags"] = [{"Key": k, "Value": v} for k, v in spec.session_tags]
        if spec.transitive_tag_keys:
            options["TransitiveTagKeys"] = list(spec.transitive_tag_keys)
    return options


class SessionPool:
    """Clients keyed by credential identity; see the module docstring for the lifecycle."""

    def __init__(
        self,
        *,
        settings: AWSSettings,
        on_retire: Callable[[str], Awaitable[None]] | None = None,
        clock: Clock | None = None,
        service: str = SERVICE,
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._service = service  # the botocore service name of every client in this pool
        self._on_retire = on_retire
        self._session: AioSession = new_session()
        self._clients: dict[str, SharedClient] = {}
        self._slot_identity: dict[Hashable, str] = {}
        self._lock = asyncio.Lock()
        self._tuning = RateTuning(
            decrease=settings.throttle_decrease,
            increase=settings.throttle_increase,
            recovery=settings.throttle_recovery,
            min_rate=settings.throttle_min_rate,
            reset_after=settings.throttle_reset_after,
        )
        self._rates: dict[tuple[str, str], AdaptiveRate] = {}

    async def acquire(self, slot: Hashable, spec: ClientSpec) -> SharedClient:
        """The shared client for ``spec``, bound to ``slot`` (retiring the slot's old identity)."""
        identity = spec.identity
        async with self._lock:
            shared = self._clients.get(identity)
            if shared is None:
                shared = await self._build(spec)
                self._clients[identity] = shared
                log.info("aws_client_created", identity=identity, region=spec.region)
            previous = self._slot_identity.get(slot)
            self._slot_identity[slot] = identity
            shared.slots.add(slot)
            if previous is not None and previous != identity:
                await self._release(slot, previous)
            return shared

    async def release(self, slot: Hashable) -> None:
        """The store behind ``slot`` is gone: unbind it, retiring its client if now unused.

        Idempotent (an unknown slot is a no-op). Shared clients stay open while another slot
        uses them; in-flight calls on a retired client fail like any closed connection.
        """
        async with self._lock:
            identity = self._slot_identity.pop(slot, None)
            if identity is not None:
                await self._release(slot, identity)

    async def release_where(self, matches: Callable[[Hashable], bool]) -> None:
        """``release`` every slot for which ``matches(slot)`` is true (a store's slots)."""
        async with self._lock:
            for slot in [s for s in self._slot_identity if matches(s)]:
                await self._release(slot, self._slot_identity.pop(slot))

    async def _release(self, slot: Hashable, identity: str) -> None:
        old = self._clients.get(identity)
        if old is None:
            return
        old.slots.discard(slot)
        if old.slots:
            return
        del self._clients[identity]
        log.info("aws_client_retired", identity=identity)
        self._drop_rates(old.spec.principal)
        await old.aclose()
        if self._on_retire is not None:
            await self._on_retire(identity)

    def _guard(self, spec: ClientSpec, api: str) -> Guard:
        """The guard of ``spec``'s calls to ``api``: its principal's rate and a retry policy.

        STS calls keep the SDK's default policy, as in ESO, whose ``retrySettings`` retryer is
        set on the service client's config after the credential providers' STS clients exist.
        """
        key = (spec.principal, api)
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = AdaptiveRate(tuning=self._tuning, clock=self._clock)
        policy = DEFAULT_POLICY if api == STS_API else spec.retry
        return Guard(rate=rate, policy=policy, clock=self._clock)

    def _drop_rates(self, principal: str) -> None:
        """Forget a principal's rates once no client of this pool uses it."""
        if any(c.spec.principal == principal for c in self._clients.values()):
            return
        for key in [k for k in self._rates if k[0] == principal]:
            del self._rates[key]

    def throttle_samples(self, provider: str) -> list[ThrottleSample]:
        """Each store's throttling, for ``eso_provider_throttled_calls_total`` and the rate.

        ``provider`` labels the service's calls; STS calls are labelled ``AWS/STS``. A store
        read from several namespaces (referent credentials) sums its identities' counts and
        shows the lowest rate in force.
        """
        by_store: dict[tuple[str, str, str, str], dict[int, AdaptiveRate]] = {}
        for shared in self._clients.values():
            stores = {tuple(str(p) for p in s[:3]) for s in shared.slots if isinstance(s, tuple)}
            for (principal, api), rate in self._rates.items():
                if principal != shared.spec.principal:
                    continue
                label = STS_PROVIDER_LABEL if api == STS_API else provider
                for kind, namespace, name in stores:
                    by_store.setdefault((label, kind, namespace, name), {})[id(rate)] = rate
        return [_sample(key, list(rates.values())) for key, rates in by_store.items()]

    def _config(self) -> AioConfig:
        """botocore's config for every client: one attempt per call (``calls.py`` retries)."""
        return AioConfig(
            retries={"mode": "standard", "total_max_attempts": 1},
            max_pool_connections=self._settings.max_connections,
            connect_timeout=self._settings.connect_timeout,
            read_timeout=self._settings.read_timeout,
            user_agent_extra="eso",
        )

    async def _build(self, spec: ClientSpec) -> SharedClient:
        stack = AsyncExitStack()
        session = self._session
        kwargs: dict[str, Any] = {}
        if spec.roles or spec.web_identity is not None:
            session = await self._role_session(spec)
        elif spec.credentials is not None:
            kwargs = {
                "aws_access_key_id": spec.credentials.access_key_id,
                "aws_secret_access_key": spec.credentials.secret_access_key,
                "aws_session_token": spec.credentials.session_token,
            }
        client = await stack.enter_async_context(
            session.create_client(
                self._service,
                region_name=spec.region,
                endpoint_url=spec.endpoint_url,
                config=self._config(),
                **kwargs,
            )
        )
        guarded = GuardedClient(client, guard=self._guard(spec, self._service))
        return SharedClient(spec.identity, spec, guarded, stack)

    async def _role_session(self, spec: ClientSpec) -> AioSession:
        """A session whose credentials come from AssumeRole (chained through ``spec.roles``).

        Each role is assumed with the previous role's credentials, starting from the store's
        web identity (``auth.jwt``), static keys or the default chain, as ESO does; externalID
        and session tags apply to the last role only. Credentials are fetched on first use and
        refreshed before they expire.
        """
        create_sts = partial(
            guarded_creator(self._session.create_client, guard=self._guard(spec, STS_API)),
            region_name=spec.region,
            endpoint_url=spec.sts_endpoint_url,
            config=self._config(),
        )
        source = await self._source_credentials(spec, create_sts)
        for n, role in enumerate(spec.roles):
            extra: dict[str, Any] = {"RoleSessionName": ROLE_SESSION_NAME}
            if n == len(spec.roles) - 1:
                extra.update(_role_options(spec))
            fetcher = AioAssumeRoleCredentialFetcher(
                client_creator=create_sts,
                source_credentials=source,
                role_arn=role,
                extra_args=extra,
            )
            source = AioDeferredRefreshableCredentials(
                refresh_using=fetcher.fetch_credentials, method="assume-role"
            )
        session = new_session()
        session._credentials = source  # aiobotocore's documented way to inject a provider
        return session

    async def _source_credentials(self, spec: ClientSpec, create_sts: Any) -> Any:
        """What the first role is assumed with: web identity, static keys or the default chain."""
        if spec.web_identity is not None:
            assert spec.get_token is not None  # the provider refuses auth.jwt without a getter
            unsigned_config = self._config().merge(AioConfig(signature_version=UNSIGNED))
            unsigned = partial(create_sts, "sts", config=unsigned_config)
            return WebIdentityCredentials(
                spec.web_identity, get_token=spec.get_token, create_sts=unsigned, clock=self._clock
            ).credentials()
        if spec.credentials is not None:
            c = spec.credentials
            return AioCredentials(c.access_key_id, c.secret_access_key, c.session_token)
        source = await self._session.get_credentials()
        if source is None:
            raise AuthError(MSG_NO_SOURCE_CREDENTIALS)
        return source

    def __len__(self) -> int:
        return len(self._clients)

    async def close(self) -> None:
        """Close every client; safe to call twice. Shielded so shutdown always completes."""
        async with self._lock:
            clients, self._clients = list(self._clients.values()), {}
            self._slot_identity.clear()
        for shared in clients:
            await asyncio.shield(shared.aclose())


def _sample(key: tuple[str, str, str, str], rates: list[AdaptiveRate]) -> ThrottleSample:
    limits = [r.rate for r in rates if r.rate is not None]
    provider, kind, namespace, name = key
    return ThrottleSample(
        provider=provider,
        kind=kind,
        namespace=namespace,
        name=name,
        throttled=sum(r.throttled for r in rates),
        rate=min(limits) if limits else None,
    )
