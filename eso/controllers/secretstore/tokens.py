"""ServiceAccounts and their tokens for providers (``auth.jwt``): read briefly, reused safely.

``ServiceAccountTokens`` is the ``ServiceAccountTokenGetter`` handed to providers. Two reads:

- the ServiceAccount (for its uid and ``eks.amazonaws.com/*`` annotations) with a plain GET,
  cached for ``service_account_cache_ttl`` seconds. Not an informer: a cluster has thousands of
  ServiceAccounts (every namespace, every workload) and stores reference a handful; a watch
  would hold them all and need ``list``/``watch`` on every ServiceAccount, while the chart
  grants only ``get``. Store validation asks with ``fresh=True`` (no cache), so a deleted or
  re-annotated ServiceAccount shows up on the store within one validation interval, and
  ExternalSecrets see it within the TTL.
- tokens with the TokenRequest API, cached per (ServiceAccount uid, audiences) and reused until
  a fifth of their lifetime (at least ``TOKEN_MIN_MARGIN``) is left: STS must still find them
  valid, while a token per STS refresh is all that is needed. A recreated ServiceAccount has a
  new uid, so a token of the old one is never served.

The getter of a SecretStore answers only for the store's own namespace, whatever the provider
asks (the same boundary ``CredentialReader`` keeps for Secrets). Tokens never leave this object
except to the provider that asked; nothing here logs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from eso.api.credentialrefs import CredentialRefError, credential_namespace
from eso.api.models import AnyStore
from eso.clock import Clock, SystemClock
from eso.kube.client import KubeClient
from eso.kube.errors import Forbidden, NotFound
from eso.kube.resources import SERVICE_ACCOUNTS
from eso.providers.base import (
    AuthError,
    ConfigError,
    ServiceAccountInfo,
    ServiceAccountToken,
    ServiceAccountTokenGetter,
)

log = structlog.get_logger(__name__)

TOKEN_MIN_MARGIN = 60.0  # seconds; an STS round trip plus clock skew, with room to spare
TOKEN_REFRESH_FRACTION = 0.2  # kubelet rotates projected tokens at 80% of their lifetime
MSG_TOKEN_REFUSED = (
    'cannot request Kubernetes service account token for service account "{name}" '
    'in namespace "{namespace}": {reason}'
)


@dataclass(frozen=True)
class _Cached:
    token: ServiceAccountToken
    renew_at: datetime


class ServiceAccountTokens:
    """Reads ServiceAccounts and requests tokens; see the module docstring for the caching."""

    def __init__(
        self, client: KubeClient, *, service_account_ttl: float, clock: Clock | None = None
    ) -> None:
        self._client = client
        self._ttl = service_account_ttl
        self._clock = clock or SystemClock()
        self._accounts: dict[tuple[str, str], tuple[float, ServiceAccountInfo | None]] = {}
        self._tokens: dict[tuple[str, str, str, tuple[str, ...]], _Cached] = {}

    def getter(self, store: AnyStore, *, fresh: bool = False) -> ServiceAccountTokenGetter:
        """The getter for ``store``; ``fresh`` reads the ServiceAccount past the cache."""
        return _StoreGetter(self, store, fresh=fresh)

    async def service_account(
        self, namespace: str, name: str, *, fresh: bool = False
    ) -> ServiceAccountInfo | None:
        """The ServiceAccount, or ``None`` when it does not exist (also cached briefly)."""
        key = (namespace, name)
        cached = self._accounts.get(key)
        now = self._clock.now()
        if cached is not None and not fresh and now - cached[0] < self._ttl:
            return cached[1]
        try:
            obj = await self._client.get(SERVICE_ACCOUNTS, name=name, namespace=namespace)
        except NotFound:
            info = None
        else:
            meta = obj.get("metadata") or {}
            annotations = {str(k): str(v) for k, v in (meta.get("annotations") or {}).items()}
            info = ServiceAccountInfo(namespace, name, str(meta.get("uid") or ""), annotations)
        self._accounts[key] = (now, info)
        return info

    async def token(
        self, namespace: str, name: str, *, uid: str, audiences: tuple[str, ...]
    ) -> ServiceAccountToken:
        """A token for ``audiences``, reused while well within its lifetime."""
        key = (namespace, name, uid, audiences)
        cached = self._tokens.get(key)
        if cached is not None and self._clock.wall() < cached.renew_at:
            return cached.token
        token = await self._request(namespace, name, audiences)
        issued = self._clock.wall()
        margin = max(
            TOKEN_MIN_MARGIN, (token.expires_at - issued).total_seconds() * TOKEN_REFRESH_FRACTION
        )
        self._tokens[key] = _Cached(token, token.expires_at - timedelta(seconds=margin))
        log.debug("service_account_token_issued", namespace=namespace, name=name)
        return token

    async def _request(
        self, namespace: str, name: str, audiences: tuple[str, ...]
    ) -> ServiceAccountToken:
        try:
            resp = await self._client.create_token(
                namespace=namespace, name=name, audiences=audiences
            )
        except (NotFound, Forbidden) as e:
            self._accounts.pop((namespace, name), None)
            reason = "not found" if isinstance(e, NotFound) else "forbidden"
            raise AuthError(
                MSG_TOKEN_REFUSED.format(name=name, namespace=namespace, reason=reason)
            ) from None
        status = resp.get("status") or {}
        expires = datetime.fromisoformat(str(status.get("expirationTimestamp")))
        return ServiceAccountToken(str(status.get("token") or ""), expires)


class _StoreGetter:
    """``ServiceAccountTokenGetter`` of one store: enforces the store kind's namespace rule."""

    def __init__(self, tokens: ServiceAccountTokens, store: AnyStore, *, fresh: bool) -> None:
        self._tokens = tokens
        self._kind = store.kind
        self._own = store.metadata.namespace
        self._fresh = fresh

    def _allowed(self, namespace: str) -> str:
        try:
            return credential_namespace(
                store_kind=self._kind, store_namespace=self._own, ref_namespace=namespace
            )
        except CredentialRefError as e:
            raise ConfigError(str(e)) from None

    async def service_account(self, namespace: str, name: str) -> ServiceAccountInfo | None:
        """The ServiceAccount, if the store may use it (else ``ConfigError``)."""
        allowed = self._allowed(namespace)
        return await self._tokens.service_account(allowed, name, fresh=self._fresh)

    async def token(
        self, namespace: str, name: str, *, uid: str, audiences: tuple[str, ...]
    ) -> ServiceAccountToken:
        """A token, if the store may use the ServiceAccount (else ``ConfigError``)."""
        allowed = self._allowed(namespace)
        return await self._tokens.token(allowed, name, uid=uid, audiences=audiences)
