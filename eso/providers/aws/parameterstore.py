"""AWS Systems Manager Parameter Store (``service: ParameterStore``) behind the provider protocols.

``ParameterStoreProvider`` is created once per process, like the Secrets Manager provider, and
owns its own session pool of ``ssm`` clients (one per credential identity), one
``SSMIdentityReader`` per identity and the value and listing caches, so ``new_client`` is cheap.

Semantics restate ESO's ``parameterstore`` provider:

- the parameter name is ``prefix + remoteRef.key``; ``remoteRef.version`` is appended as
  ``name:version`` (a version number or a label); values are always read with decryption, so a
  SecureString arrives in clear and a StringList as AWS stores it (comma-separated);
- ``remoteRef.property`` uses ESO's gjson rules (``eso.providers.paths``: a literal key with dots
  first, then a path); a property on a StringList, which is not JSON, is refused with a message
  that says so (ESO answers "key ... does not exist");
- ``metadataPolicy: Fetch`` returns the parameter's tags (ListTagsForResource) as a JSON object,
  with ``property`` selecting one tag, as ESO does;
- ``dataFrom.extract`` splits the JSON object at the key (after ``property``);
- ``dataFrom.find``: with ``name`` (``path`` defaults to ``/``), GetParametersByPath recursive,
  names filtered by the regexp; if the credentials may not call it, DescribeParameters (with a
  recursive Path filter) then the values, as ESO falls back. With ``tags`` (and no ``name``),
  DescribeParameters with one ``tag:<key>`` Equals filter per tag (plus the Path filter), then
  the values. Keys are the parameter names, unprefixed and unconverted (the caller converts or
  rewrites them). Neither ``name`` nor ``tags`` is ESO's "unexpected find operator".

Unlike ESO, values of a DescribeParameters find are read in GetParameters batches of 10 rather
than one GetParameter each, listings are shared per identity and query, and a parameter deleted
between the listing and its read is left out rather than failing the find.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import structlog

from eso.clock import Clock, SystemClock
from eso.metrics import ProviderMetrics
from eso.providers import paths
from eso.providers.aws.auth import check_auth, is_referent
from eso.providers.aws.cache import ValueCache
from eso.providers.aws.principal import client_spec
from eso.providers.aws.secretsmanager import ReferentStoreClient, Slot, aws_spec, store_slot
from eso.providers.aws.session import (
    SSM_ENDPOINT_ENV,
    SSM_SERVICE,
    SessionPool,
    resolve_endpoint,
)
from eso.providers.aws.ssmreader import PROVIDER_LABEL, Listing, Parameter, SSMIdentityReader
from eso.providers.aws.ssmwriter import ParameterStoreWriter
from eso.providers.aws.validation import validate_common
from eso.providers.base import (
    AuthError,
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

SERVICE_PARAMETER_STORE = "ParameterStore"
STRING_LIST = "StringList"
DEFAULT_FIND_PATH = "/"

MSG_NOT_PARAMETER_STORE = "spec.provider.aws.service must be ParameterStore"
MSG_UNSUPPORTED_FIELD = "spec.provider.aws.{field} is not implemented yet"
MSG_EMPTY_KEY = "remoteRef.key must not be empty"
MSG_NIL_VALUE = "invalid secret received. parameter value is nil for key: {key}"
MSG_STRING_LIST_PROPERTY = (
    "parameter {key!r} is a StringList (comma-separated, not JSON): property {prop!r} cannot "
    "select inside it; remove remoteRef.property"
)
MSG_STRING_LIST_MAP = (
    "parameter {key!r} is a StringList (comma-separated, not JSON): dataFrom.extract needs a "
    "JSON object"
)
MSG_FIND_OPERATOR = "unexpected find operator"  # ESO's errUnexpectedFindOperator


def validate_parameter_store(store: AnyStore) -> AWSProviderSpec:
    """Static checks of a ParameterStore store (no I/O); its ``spec.provider.aws``."""
    aws = aws_spec(store)
    if aws.service != SERVICE_PARAMETER_STORE:
        raise ConfigError(MSG_NOT_PARAMETER_STORE)
    validate_common(store, aws)
    if aws.custom_session_tags:
        raise NotImplementedFeatureError(MSG_UNSUPPORTED_FIELD.format(field="customSessionTags"))
    if aws.session_tags_policy != "None":
        raise NotImplementedFeatureError(MSG_UNSUPPORTED_FIELD.format(field="sessionTagsPolicy"))
    check_auth(aws, store_kind=store.kind, store_namespace=store.metadata.namespace)
    return aws


class ParameterStoreProvider:
    """``Provider`` half for ``service: ParameterStore``; one per process, closed at shutdown."""

    name = "aws"

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._clock = clock or SystemClock()
        ttl, entries, enabled = (
            settings.cache_ttl,
            settings.cache_max_entries,
            settings.cache_enabled,
        )
        self._cache: ValueCache[Parameter] = ValueCache(
            ttl=ttl, max_entries=entries, enabled=enabled, clock=self._clock
        )
        self._listings: ValueCache[Listing] = ValueCache(
            ttl=ttl, max_entries=entries, enabled=enabled, clock=self._clock
        )
        self._pool = SessionPool(
            settings=settings, on_retire=self._retire, clock=self._clock, service=SSM_SERVICE
        )
        metrics.throttling.add(lambda: self._pool.throttle_samples(PROVIDER_LABEL))
        self._readers: dict[str, SSMIdentityReader] = {}

    def validate_store(self, store: AnyStore) -> None:
        """Static checks (no I/O): service, region, auth rules, unimplemented fields."""
        validate_parameter_store(store)

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

        ``namespace`` is the reading ExternalSecret's (``""`` when the store controller
        validates a ClusterSecretStore); referent credentials resolve in it, as for Secrets
        Manager (``principal.client_spec``).
        """
        aws = validate_parameter_store(store)
        if not namespace and is_referent(aws, store_kind=store.kind):
            return ReferentStoreClient()
        spec = await client_spec(
            store,
            aws,
            namespace=namespace,
            endpoint_url=resolve_endpoint(None, names=SSM_ENDPOINT_ENV),
            get_secret=get_secret,
            get_token=get_token,
        )
        slot = store_slot(store, namespace=namespace)
        shared = await self._pool.acquire(slot, spec)
        reader = self._readers.get(shared.identity)
        if reader is None:
            reader = SSMIdentityReader(
                shared.client,
                identity=shared.identity,
                cache=self._cache,
                listings=self._listings,
                settings=self._settings,
                metrics=self._metrics,
                clock=self._clock,
            )
            self._readers[shared.identity] = reader
        writer = ParameterStoreWriter(
            shared.client, prefix=aws.prefix, cache=self._cache, metrics=self._metrics
        )
        return ParameterStoreClient(
            reader, prefix=aws.prefix, slot=slot, on_notice=on_notice, writer=writer
        )

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        """A store was deleted: give back its client slot (the client closes if now unused)."""
        store = (kind, namespace or "", name)
        await self._pool.release_where(lambda slot: isinstance(slot, tuple) and slot[:3] == store)

    async def _retire(self, identity: str) -> None:
        """Credentials changed: forget everything fetched with the old identity."""
        reader = self._readers.pop(identity, None)
        if reader is not None:
            await reader.close()
        self._cache.flush_identity(identity)
        self._listings.flush_identity(identity)

    async def close(self) -> None:
        """Close readers and clients; safe to call twice."""
        readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            await reader.close()
        await self._pool.close()
        self._cache.clear()
        self._listings.clear()


class ParameterStoreClient:
    """``SecretsClient`` of one ParameterStore store; cheap, holds no connection of its own."""

    def __init__(
        self,
        reader: SSMIdentityReader,
        *,
        prefix: str,
        slot: Slot,
        on_notice: NoticeHandler | None,
        writer: ParameterStoreWriter,
    ) -> None:
        self._reader = reader
        self._prefix = prefix
        self._slot = slot
        self._on_notice = on_notice
        self._writer = writer  # PushSecret's writes: ssmwriter owns their rules

    async def push_secret(
        self,
        data: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        refs: MetadataRefReader | None = None,
    ) -> None:
        """PushSecret: see ``ssmwriter.ParameterStoreWriter.push_secret``."""
        await self._writer.push_secret(data, entry)

    async def delete_secret(self, ref: PushSecretRemoteRef) -> None:
        """PushSecret deletion: see ``ssmwriter.ParameterStoreWriter.delete_secret``."""
        await self._writer.delete_secret(ref)

    async def secret_exists(self, ref: PushSecretRemoteRef) -> bool:
        """updatePolicy IfNotExists: whether the parameter exists."""
        return await self._writer.secret_exists(ref)

    @property
    def identity(self) -> str:
        """The credential identity digest this client reads with (for logs and tests)."""
        return self._reader.identity

    async def get_secret(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> bytes:
        """The parameter's value, or the value at ``ref.property`` inside its JSON."""
        value = await self._fetch(ref, max_age=max_age)
        payload = _payload(value, ref)
        if not ref.property:
            return payload
        try:
            return paths.get_property(payload, ref.property)
        except paths.PathSyntaxError as e:
            raise ConfigError(f"parameter {ref.key!r}: {e}") from e
        except paths.PathError as e:
            if value.type == STRING_LIST:
                raise PropertyNotFoundError(
                    MSG_STRING_LIST_PROPERTY.format(key=ref.key, prop=ref.property)
                ) from e
            raise PropertyNotFoundError(f"parameter {ref.key!r}: {e}") from e

    async def get_secret_map(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> dict[str, bytes]:
        """``dataFrom.extract``: the JSON object at the key (/``ref.property``) as a map."""
        value = await self._fetch(ref, max_age=max_age)
        payload = _payload(value, ref)
        try:
            return paths.get_property_map(payload, ref.property or None)
        except paths.PathSyntaxError as e:
            raise ConfigError(f"parameter {ref.key!r}: {e}") from e
        except paths.PathError as e:
            if value.type == STRING_LIST:
                raise PropertyNotFoundError(MSG_STRING_LIST_MAP.format(key=ref.key)) from e
            raise PropertyNotFoundError(f"parameter {ref.key!r}: {e}") from e

    async def _fetch(self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None) -> Parameter:
        if not ref.key:
            raise ConfigError(MSG_EMPTY_KEY)
        name = self._prefix + ref.key
        try:
            if ref.metadata_policy == "Fetch":
                # ESO names the resource with the version selector too (name:version)
                tagged = f"{name}:{ref.version}" if ref.version else name
                return await self._reader.read_tags(tagged, max_age=max_age)
            return await self._reader.read(name, version=ref.version, max_age=max_age)
        finally:
            self._deliver_notice()

    async def get_all_secrets(
        self,
        find: ExternalSecretFind,
        *,
        max_age: float | None = None,
        match: Callable[[str], bool] | None = None,
    ) -> dict[str, bytes]:
        """``dataFrom.find``: every matching parameter's value, keyed by parameter name.

        ``match`` is ``find.name.regexp`` compiled by the caller (None matches every name).
        No match is an empty map. Raises ``ConfigError`` for a find without name or tags.
        """
        try:
            if find.name is not None:
                return await self._find_by_name(find.path, match=match, max_age=max_age)
            if find.tags:
                return await self._find_by_tags(find, max_age=max_age)
            raise ConfigError(MSG_FIND_OPERATOR)
        finally:
            self._deliver_notice()

    async def _find_by_name(
        self, path: str | None, *, match: Callable[[str], bool] | None, max_age: float | None
    ) -> dict[str, bytes]:
        try:
            listing = await self._reader.list_by_path(path or DEFAULT_FIND_PATH, max_age=max_age)
        except AuthError as e:
            if "AccessDenied" not in str(e):
                raise
            log.info("get_parameters_by_path_denied", path=path, fallback="DescribeParameters")
            listed = await self._reader.describe(_path_filter(path), max_age=max_age)
            names = [n for n in listed.names if match is None or match(n)]
            return await self._values(names, max_age=max_age)
        selected = (n for n in listing.names if match is None or match(n))
        return {n: p for n in selected if (p := listing.values[n].payload) is not None}

    async def _find_by_tags(
        self, find: ExternalSecretFind, *, max_age: float | None
    ) -> dict[str, bytes]:
        filters = tuple(("tag:" + k, "Equals", v) for k, v in sorted(find.tags.items()))
        listed = await self._reader.describe(filters + _path_filter(find.path), max_age=max_age)
        return await self._values(list(listed.names), max_age=max_age)

    async def _values(self, names: list[str], *, max_age: float | None) -> dict[str, bytes]:
        got = await asyncio.gather(
            *(self._reader.read(n, max_age=max_age) for n in names), return_exceptions=True
        )
        out: dict[str, bytes] = {}
        for name, value in zip(names, got, strict=True):
            if isinstance(value, SecretNotFoundError):
                continue  # deleted since the listing
            if isinstance(value, BaseException):
                raise value
            if value.payload is not None:
                out[name] = value.payload
        return out

    def _deliver_notice(self) -> None:
        if self._on_notice is None:
            return
        notice = self._reader.take_notice(self._slot)
        if notice is None:
            return
        try:
            self._on_notice(notice)
        except Exception:  # a broken hook must not fail a read
            log.exception("notice_handler_failed", reason=notice.reason)

    async def validate(self) -> None:
        """One cheap real call (DescribeParameters, MaxResults=1) proving the credentials work."""
        try:
            await self._reader.check_credentials()
        finally:
            self._deliver_notice()

    async def close(self) -> None:
        """Nothing to release: sessions are shared and owned by the provider."""


def _payload(value: Parameter, ref: ExternalSecretDataRemoteRef) -> bytes:
    payload = value.payload
    if payload is None:
        raise ProviderError(MSG_NIL_VALUE.format(key=ref.key))
    return payload


def _path_filter(path: str | None) -> tuple[tuple[str, str, str], ...]:
    return (("Path", "Recursive", path),) if path else ()
