"""The ``aws`` provider: AWS Secrets Manager behind the ``Provider``/``SecretsClient`` protocols.

``AWSProvider`` is created once per process. It owns what must outlive a reconcile: the
session pool (one aiobotocore client per credential identity), one ``IdentityReader`` per
identity (single flight, batching, batch-denied state) and the value cache. ``new_client`` is
therefore cheap - it reads the credential Secret through the controller's getter, computes the
identity and hands out a thin ``SecretsManagerClient`` bound to the store.

Semantics follow ESO's AWS provider: the secret id is ``prefix + ref.key``; ``ref.version``
``uuid/<id>`` selects a VersionId, any other value a VersionStage (default AWSCURRENT); a value
is SecretString, else SecretBinary; ``ref.property`` is resolved with ESO's gjson rules
(``eso.providers.paths``); ``get_secret_map`` splits a JSON object (after ``property``, if set).

Not implemented here (refused with ``NotImplementedFeatureError``, also listed in
``eso.api.features``): ParameterStore/CertificateManager. ``auth.jwt`` exchanges a
ServiceAccount token with STS (``webidentity.py``); ``role`` (after ``additionalRoles``, with
``externalID``, ``transitiveTagKeys`` and the session tags) is assumed through STS as ESO does.
``sessionTagsPolicy`` Simple/Custom replaces ``sessionTags`` with ``esoNamespace`` (the reading
namespace), ``esoStoreName``, ``esoStoreKind`` (plus ``customSessionTags`` for Custom), as ESO.

A referent ClusterSecretStore (credentials resolved in the reading ExternalSecret's namespace)
cannot be checked without a reader: validated with no namespace it gets a client that makes
no call, so the store is Ready as in ESO (whose ``Validate`` answers "unknown" without error),
and each reading namespace gets its own slot and, when its credentials differ, its own identity
and so its own cached values. Slots are per store *and* reading namespace for the same reason:
an identity that depends on the namespace must not flip one slot back and forth.
``metadataPolicy: Fetch`` returns the secret's tags as a JSON object (DescribeSecret), as ESO
does. ``conversionStrategy``/``decodingStrategy`` are applied by the ExternalSecret controller
to what the provider returns, as in ESO.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import structlog

from eso.api.credentialrefs import ERR_CLUSTER_NEEDS_NAMESPACE
from eso.clock import Clock, SystemClock
from eso.metrics import ProviderMetrics
from eso.providers import paths
from eso.providers.aws.auth import check_auth, is_referent
from eso.providers.aws.cache import ValueCache
from eso.providers.aws.listing import find_query
from eso.providers.aws.principal import client_spec
from eso.providers.aws.reader import AWSCURRENT, PROVIDER_LABEL, IdentityReader, SecretValue
from eso.providers.aws.session import SessionPool, resolve_endpoint
from eso.providers.aws.smwriter import SecretsManagerWriter
from eso.providers.aws.validation import validate_common
from eso.providers.base import (
    ConfigError,
    MetadataRefReader,
    NoticeHandler,
    NotImplementedFeatureError,
    PropertyNotFoundError,
    ProviderError,
    SecretDataGetter,
    SecretNotFoundError,
    SecretsClient,
    ServiceAccountTokenGetter,
)
from eso.settings import AWSSettings

if TYPE_CHECKING:
    from eso.api.findrewrite import ExternalSecretFind
    from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef
    from eso.api.secretstore import AnyStore
    from eso.api.secretstore import AWSProvider as AWSProviderSpec
    from eso.api.sources import ExternalSecretDataRemoteRef

log = structlog.get_logger(__name__)

PROVIDER_NAME = "aws"
SERVICE_SECRETS_MANAGER = "SecretsManager"

MSG_NOT_AWS = "store has no spec.provider.aws"
MSG_SERVICE = "spec.provider.aws.service {service!r} is not implemented yet (only SecretsManager)"
MSG_RESERVED_TAGS = (
    "customSessionTags cannot contain automatically injected reserved keys: "
    "esoNamespace, esoStoreName, esoStoreKind"
)
MSG_EMPTY_KEY = "remoteRef.key must not be empty"
MSG_NO_VALUE = "secret {key!r} has neither SecretString nor SecretBinary"

RESERVED_TAG_KEYS = ("esoNamespace", "esoStoreName", "esoStoreKind")
Slot = tuple[str, str, str, str]


def aws_spec(store: AnyStore) -> AWSProviderSpec:
    """``spec.provider.aws`` or ``ConfigError``."""
    aws = store.spec.provider.aws
    if aws is None:
        raise ConfigError(MSG_NOT_AWS)
    return aws


def store_slot(store: AnyStore, *, namespace: str = "") -> Slot:
    """Which store, read from which namespace, a client belongs to: the unit whose identity
    may change over time."""
    return (store.kind, store.metadata.namespace or "", store.metadata.name, namespace)


class AWSProvider:
    """``Provider`` for ``spec.provider.aws``; one per process, closed at shutdown."""

    name = PROVIDER_NAME

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._cache: ValueCache[SecretValue] = ValueCache(
            ttl=settings.cache_ttl,
            max_entries=settings.cache_max_entries,
            enabled=settings.cache_enabled,
            clock=self._clock,
        )
        self._pool = SessionPool(settings=settings, on_retire=self._retire, clock=self._clock)
        metrics.throttling.add(lambda: self._pool.throttle_samples(PROVIDER_LABEL))
        self._readers: dict[str, IdentityReader] = {}

    def validate_store(self, store: AnyStore) -> None:
        """Static checks (no I/O): service, region, delete and retry options, auth rules."""
        aws = aws_spec(store)
        if aws.service != SERVICE_SECRETS_MANAGER:
            raise NotImplementedFeatureError(MSG_SERVICE.format(service=aws.service))
        validate_common(store, aws)
        if any(k in aws.custom_session_tags for k in RESERVED_TAG_KEYS):
            raise ConfigError(MSG_RESERVED_TAGS)
        check_auth(aws, store_kind=store.kind, store_namespace=store.metadata.namespace)

    async def new_client(
        self,
        store: AnyStore,
        *,
        namespace: str,
        get_secret: SecretDataGetter,
        on_notice: NoticeHandler | None = None,
        get_token: ServiceAccountTokenGetter | None = None,
    ) -> SecretsClient:
        """A client for ``store``; reads credentials now, shares the session by identity.

        ``namespace`` is the reading ExternalSecret's namespace (``""`` when the store
        controller validates a ClusterSecretStore); referent credentials resolve in it.
        """
        self.validate_store(store)
        aws = aws_spec(store)
        if not namespace and is_referent(aws, store_kind=store.kind):
            return ReferentStoreClient()
        spec = await client_spec(
            store,
            aws,
            namespace=namespace,
            endpoint_url=resolve_endpoint(self._settings.endpoint_url),
            get_secret=get_secret,
            get_token=get_token,
        )
        slot = store_slot(store, namespace=namespace)
        shared = await self._pool.acquire(slot, spec)
        reader = self._readers.get(shared.identity)
        if reader is None:
            reader = IdentityReader(
                shared.client,
                identity=shared.identity,
                cache=self._cache,
                settings=self._settings,
                metrics=self._metrics,
                clock=self._clock,
            )
            self._readers[shared.identity] = reader
        writer = SecretsManagerWriter(
            shared.client,
            prefix=aws.prefix,
            cache=self._cache,
            metrics=self._metrics,
            config=aws.secrets_manager,
        )
        return SecretsManagerClient(
            reader, prefix=aws.prefix, slot=slot, on_notice=on_notice, writer=writer
        )

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        """A store was deleted: give back its client slots (a client closes once unused)."""
        store = (kind, namespace or "", name)
        await self._pool.release_where(lambda slot: isinstance(slot, tuple) and slot[:3] == store)

    async def _retire(self, identity: str) -> None:
        """Credentials changed: forget everything fetched with the old identity."""
        reader = self._readers.pop(identity, None)
        if reader is not None:
            await reader.close()
        self._cache.flush_identity(identity)

    async def close(self) -> None:
        """Close readers and clients; safe to call twice."""
        readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            await reader.close()
        await self._pool.close()
        self._cache.clear()


class SecretsManagerClient:
    """``SecretsClient`` of one store; cheap, holds no connection of its own."""

    def __init__(
        self,
        reader: IdentityReader,
        *,
        prefix: str,
        slot: Slot,
        on_notice: NoticeHandler | None,
        writer: SecretsManagerWriter,
    ) -> None:
        self._reader = reader
        self._prefix = prefix
        self._slot = slot
        self._on_notice = on_notice
        self._writer = writer  # PushSecret's writes: smwriter owns their rules

    @property
    def identity(self) -> str:
        """The credential identity digest this client reads with (for logs and tests)."""
        return self._reader.identity

    async def get_secret(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> bytes:
        """``ref.key``'s value, or the value at ``ref.property`` inside it."""
        value = await self._fetch(ref, max_age=max_age)
        payload = value.payload
        if payload is None:
            raise ProviderError(MSG_NO_VALUE.format(key=ref.key))
        if not ref.property:
            return payload
        try:
            return paths.get_property(payload, ref.property)
        except paths.PathSyntaxError as e:
            raise ConfigError(f"secret {ref.key!r}: {e}") from e
        except paths.PathError as e:
            raise PropertyNotFoundError(f"secret {ref.key!r}: {e}") from e

    async def get_secret_map(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> dict[str, bytes]:
        """``dataFrom.extract``: the JSON object at ``ref.key`` (/``ref.property``) as a map."""
        value = await self._fetch(ref, max_age=max_age)
        payload = value.payload
        if payload is None:
            raise ProviderError(MSG_NO_VALUE.format(key=ref.key))
        try:
            return paths.get_property_map(payload, ref.property or None)
        except paths.PathSyntaxError as e:
            raise ConfigError(f"secret {ref.key!r}: {e}") from e
        except paths.PathError as e:
            raise PropertyNotFoundError(f"secret {ref.key!r}: {e}") from e

    async def get_all_secrets(
        self,
        find: ExternalSecretFind,
        *,
        max_age: float | None = None,
        match: Callable[[str], bool] | None = None,
    ) -> dict[str, bytes]:
        """``dataFrom.find``: the values of the listed secrets ``match`` selects, by name.

        The names are AWS's (the store's ``prefix`` does not apply, as in ESO's listing); a
        secret deleted after the listing is left out rather than failing the find.
        """
        query = find_query(find)
        names = await self._reader.list_names(query.filters, max_age=max_age)
        wanted = [n for n in names if match is None or not query.by_name or match(n)]
        try:
            got = await asyncio.gather(
                *(self._reader.read(n, max_age=max_age) for n in wanted), return_exceptions=True
            )
        finally:
            self._deliver_notice()
        out: dict[str, bytes] = {}
        for name, value in zip(wanted, got, strict=True):
            if isinstance(value, SecretNotFoundError):
                continue
            if isinstance(value, BaseException):
                raise value
            if value.payload is not None:
                out[name] = value.payload
        return out

    async def _fetch(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None
    ) -> SecretValue:
        if not ref.key:
            raise ConfigError(MSG_EMPTY_KEY)
        secret_id = self._prefix + ref.key
        try:
            if ref.metadata_policy == "Fetch":
                return await self._reader.read_tags(secret_id, max_age=max_age)
            return await self._reader.read(
                secret_id, version=ref.version or AWSCURRENT, max_age=max_age
            )
        finally:
            self._deliver_notice()

    def _deliver_notice(self) -> None:
        if self._on_notice is None:
            return
        notice = self._reader.take_notice(self._slot[:3])  # once per store, not per reader
        if notice is None:
            return
        try:
            self._on_notice(notice)
        except Exception:  # a broken hook must not fail a read
            log.exception("notice_handler_failed", reason=notice.reason)

    async def push_secret(
        self,
        data: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        refs: MetadataRefReader | None = None,
    ) -> None:
        """PushSecret: see ``smwriter.SecretsManagerWriter.push_secret``."""
        await self._writer.push_secret(data, entry, refs=refs)

    async def delete_secret(self, ref: PushSecretRemoteRef) -> None:
        """PushSecret deletion: see ``smwriter.SecretsManagerWriter.delete_secret``."""
        await self._writer.delete_secret(ref)

    async def secret_exists(self, ref: PushSecretRemoteRef) -> bool:
        """updatePolicy IfNotExists: whether the remote secret exists."""
        return await self._writer.secret_exists(ref)

    async def validate(self) -> None:
        """One cheap real call (ListSecrets, MaxResults=1) proving the credentials work.

        Also delivers a pending notice (e.g. BatchGetSecretValue denied while ExternalSecrets
        read through this store), so the store controller alone can turn notices into events.
        """
        try:
            await self._reader.check_credentials()
        finally:
            self._deliver_notice()

    async def close(self) -> None:
        """Nothing to release: sessions are shared and owned by the provider."""


class ReferentStoreClient:
    """A referent ClusterSecretStore seen without a reading namespace: nothing to call.

    ``validate`` succeeds without a call (ESO: validation result unknown, store Ready); reads
    cannot happen (every ExternalSecret has a namespace) and fail with ESO's message.
    """

    async def get_secret(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> bytes:
        """Refused: there is no namespace to resolve the credentials in."""
        raise ConfigError(ERR_CLUSTER_NEEDS_NAMESPACE)

    async def get_secret_map(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> dict[str, bytes]:
        """Refused: there is no namespace to resolve the credentials in."""
        raise ConfigError(ERR_CLUSTER_NEEDS_NAMESPACE)

    async def get_all_secrets(
        self,
        find: ExternalSecretFind,
        *,
        max_age: float | None = None,
        match: Callable[[str], bool] | None = None,
    ) -> dict[str, bytes]:
        """Refused: there is no namespace to resolve the credentials in."""
        raise ConfigError(ERR_CLUSTER_NEEDS_NAMESPACE)

    async def validate(self) -> None:
        """Nothing to prove without a namespace; the credentials are checked per reader."""

    async def close(self) -> None:
        """Nothing to release."""
