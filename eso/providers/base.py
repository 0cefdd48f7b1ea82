"""What controllers see of a secret provider: errors, the client and provider protocols.

Controllers never import an AWS module. They look a provider up in the registry, build a
``SecretsClient`` for a store with ``Provider.new_client`` (cheap: sessions, connections and
caches are shared inside the provider by credential identity), and call ``get_secret`` /
``get_secret_map``. Errors come back as one small hierarchy so the ExternalSecret controller can
tell "the secret does not exist" (``SecretNotFoundError``) from everything else, and the store
controller can tell bad credentials (``AuthError``) from bad configuration (``ConfigError``).

Every message of a ``ProviderError`` is safe to put in a status condition, an event or a log
line: providers strip request ids and credentials and never include a secret value.

Providers cannot emit Kubernetes events (they must not import ``eso.kube``). When a provider
learns something about a store that its owner should hear about - e.g. its credentials may not
call BatchGetSecretValue, so reads fall back to one call per secret - it calls the
``on_notice`` callback passed to ``new_client`` with a ``Notice``; the controller turns it into an
event on the store. A provider calls it at most once per store and condition, never blocks on it,
and ignores exceptions it raises. Pending notices are delivered after reads and after
``validate()``, so a store controller that passes ``on_notice`` and revalidates periodically
hears about conditions that ExternalSecret reads ran into, even if those passed no callback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from eso.api.findrewrite import ExternalSecretFind
    from eso.api.pushsecret import PushSecretData, PushSecretRemoteRef
    from eso.api.secretstore import AnyStore
    from eso.api.sources import ExternalSecretDataRemoteRef


# --- errors -------------------------------------------------------------------------------


class ProviderError(Exception):
    """A provider operation failed; ``str(e)`` is sanitised and safe to show."""


class SecretNotFoundError(ProviderError):
    """The remote secret (or the requested version of it) does not exist."""


class PropertyNotFoundError(ProviderError):
    """The secret exists but has nothing at ``ref.property`` (or is not JSON where JSON is needed).

    Deliberately not a ``SecretNotFoundError``: ESO treats only a missing secret as "not found"
    (which, with deletionPolicy Delete, deletes the target Secret); a wrong property is a
    configuration mistake that must not delete anything.
    """


class AuthError(ProviderError):
    """Credentials are missing, invalid, expired, or not allowed to do what was asked."""


class ConfigError(ProviderError):
    """The store or the reference is invalid (checked before any remote call)."""


class NotImplementedFeatureError(ConfigError):
    """The store or reference uses a field eso does not implement yet; never silently ignored."""


class ProviderUnavailableError(ProviderError):
    """A transient failure (throttling, 5xx, network): retry with backoff."""


class NotManagedError(ProviderError):
    """The remote secret exists but eso did not create it (no ``managed-by`` tag): a push
    must neither overwrite nor delete it."""


# --- notices (provider → controller → event on the store) --------------------------------

# Reasons of notices; they become event reasons, so they are part of our API.
REASON_BATCH_DENIED = "BatchGetSecretValueDenied"


@dataclass(frozen=True)
class Notice:
    """Something the store's owner should hear about, as an event on the store."""

    reason: str
    message: str
    type: Literal["Normal", "Warning"] = "Warning"


NoticeHandler: TypeAlias = Callable[[Notice], None]


# --- protocols ----------------------------------------------------------------------------


class SecretDataGetter(Protocol):
    """Reads a Kubernetes Secret's decoded data for a provider (credentials).

    Supplied by controllers (providers never import kube). Returns ``None`` when the Secret does
    not exist; any other failure is raised as is and reported by the provider as
    ``ProviderUnavailableError``.
    """

    def __call__(self, namespace: str, name: str) -> Awaitable[Mapping[str, bytes] | None]: ...


class MetadataRefReader(Protocol):
    """Reads one key of a ConfigMap or Secret that push metadata names (a resource policy).

    Supplied by the PushSecret controller, bound to the PushSecret's namespace (where ESO
    reads it). ``kind`` is ``ConfigMap`` or ``Secret``. Raises ``ConfigError`` (a missing key)
    or ``ProviderUnavailableError`` (the object is missing or unreadable; may heal); messages
    name the object and key, never its data.
    """

    def __call__(self, kind: str, name: str, key: str) -> Awaitable[str]: ...


@dataclass(frozen=True)
class ServiceAccountInfo:
    """What a provider may know of a ServiceAccount: its uid and annotations (no token)."""

    namespace: str
    name: str
    uid: str
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class ServiceAccountToken:
    """A TokenRequest token; ``repr`` never shows it. ``expires_at`` is an aware UTC time."""

    token: str = field(repr=False)
    expires_at: datetime


class ServiceAccountTokenGetter(Protocol):
    """Reads ServiceAccounts and requests their tokens for a provider (``auth.jwt``).

    Supplied by controllers, like ``SecretDataGetter``. ``service_account`` returns ``None``
    when the ServiceAccount does not exist; ``token`` raises ``AuthError`` when the API server
    refuses the TokenRequest (missing ServiceAccount, forbidden). Any other failure is raised
    as is and reported by the provider as ``ProviderUnavailableError``. Both may serve cached
    answers: a token until shortly before it expires, a ServiceAccount for a short time.
    """

    def service_account(self, namespace: str, name: str) -> Awaitable[ServiceAccountInfo | None]:
        """The ServiceAccount ``namespace/name``, or ``None`` when it does not exist."""
        ...

    def token(
        self, namespace: str, name: str, *, uid: str, audiences: tuple[str, ...]
    ) -> Awaitable[ServiceAccountToken]:
        """A token of ServiceAccount ``uid`` for ``audiences`` (valid for a while yet)."""
        ...


class SecretsClient(Protocol):
    """Reads secrets for one store (and, for referent auth, one namespace).

    ``max_age`` is the reader's refreshInterval in seconds: a value cached by the provider is
    reused only if younger than ``min(max_age, provider cache ttl)``. ``None`` bounds it by the
    provider's ttl alone; ``0`` forces a fresh read. Cancellation is safe at any await.
    """

    async def get_secret(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> bytes:
        """The value of ``ref.key`` (or of ``ref.property`` inside it)."""
        ...

    async def get_secret_map(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> dict[str, bytes]:
        """``dataFrom.extract``: the JSON object at ``ref.key`` (/``ref.property``) as a map."""
        ...

    async def get_all_secrets(
        self,
        find: ExternalSecretFind,
        *,
        max_age: float | None = None,
        match: Callable[[str], bool] | None = None,
    ) -> dict[str, bytes]:
        """``dataFrom.find``: every matching secret's value by the provider's secret name.

        ``match`` is ``find.name.regexp`` compiled by the caller (Go's RE2 lives in the
        template layer, which providers do not import); it is applied when ``find.name`` is
        set. Keys are the provider's names as they are (the caller converts or rewrites
        them); no match is an empty map, not an error. ``max_age`` bounds the age of the
        listing as well as of the values. Raises ``ConfigError`` for a find the provider
        cannot do.
        """
        ...

    async def validate(self) -> None:
        """One cheap real call proving the credentials work; raises ``ProviderError``.

        ``AuthError`` means the credentials are wrong; ``ProviderUnavailableError`` is
        transient (retry); also delivers pending notices to ``on_notice``.
        """
        ...

    async def close(self) -> None:
        """Release this client; shared sessions stay open for other clients."""
        ...


@runtime_checkable
class SecretsWriter(Protocol):
    """Writes secrets for one store (PushSecret); a ``SecretsClient`` may also be one.

    A client that is not a ``SecretsWriter`` belongs to a read-only store. Every write
    follows ESO's ownership rule: a remote secret is only changed or deleted when it carries
    the ``managed-by: external-secrets`` tag set when eso (or ESO) created it. A failed write
    leaves the remote as it was as far as the provider allows (no partial value is written),
    and invalidates the provider's cached value of that secret either way, so readers of the
    same key see the new value on their next read.
    """

    async def push_secret(
        self,
        data: Mapping[str, bytes],
        entry: PushSecretData,
        *,
        refs: MetadataRefReader | None = None,
    ) -> None:
        """Push ``data[entry.secret_key]`` (the whole map as JSON without a key) to the
        entry's remote ref; writes only when the value or the metadata differ. ``refs``
        reads what the metadata references. Raises ``NotManagedError``, ``ConfigError``
        (bad metadata, missing key) or ``ProviderError``."""
        ...

    async def delete_secret(self, ref: PushSecretRemoteRef) -> None:
        """Delete the remote secret if eso manages it; a missing or foreign one is left
        alone without error (ESO's rule). Idempotent."""
        ...

    async def secret_exists(self, ref: PushSecretRemoteRef) -> bool:
        """Whether the remote secret exists (``updatePolicy: IfNotExists``)."""
        ...


class Provider(Protocol):
    """Builds clients for stores of one kind of ``spec.provider`` (e.g. ``aws``)."""

    name: str

    def validate_store(self, store: AnyStore) -> None:
        """Static checks of the store spec, no I/O; raises ``ConfigError``."""
        ...

    async def new_client(
        self,
        store: AnyStore,
        *,
        namespace: str,
        get_secret: SecretDataGetter,
        on_notice: NoticeHandler | None = None,
        get_token: ServiceAccountTokenGetter | None = None,
    ) -> SecretsClient:
        """A client for ``store`` used from ``namespace`` (the ExternalSecret's, or the
        store's own when validating: ``""`` for a ClusterSecretStore). Resolves credentials;
        raises ``ProviderError``. ``get_token`` serves ``auth.jwt`` stores (without it they
        fail with ``ConfigError``)."""
        ...

    async def forget_store(self, *, kind: str, namespace: str | None, name: str) -> None:
        """The store ``kind``/``namespace``/``name`` was deleted: release what the provider
        holds for it (a shared client no other store uses). Idempotent; no-op if unknown."""
        ...

    async def close(self) -> None:
        """Close every shared session; called once at shutdown."""
        ...
