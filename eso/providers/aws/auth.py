"""AWS credentials of a store: ``auth.secretRef`` read through the controller's getter.

Who may read which credential Secret is a security boundary, not a convenience: a namespaced
SecretStore may only use Secrets of its own namespace (otherwise anyone allowed to create a
SecretStore could borrow another team's AWS keys). A ClusterSecretStore names the namespace of
each credential Secret, or leaves it empty: then the Secret is read in the namespace of the
ExternalSecret reading through the store (ESO's *referent* authentication, ``is_referent``), so
each namespace brings its own keys. Violations are ``ConfigError``s with messages that say which
field is wrong; they are checked statically by ``check_auth`` (store validation, which accepts
referent references as ESO's ``ValidateReferentSecretSelector`` does) and again when
credentials are read.

``auth.jwt`` (a ServiceAccount token exchanged with STS) lives in ``webidentity.py`` and takes
precedence over ``auth.secretRef`` when both are set, as in ESO. Without either, the default
AWS credential chain applies (environment, the controller's own IRSA, instance metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eso.api.credentialrefs import (
    KIND_CLUSTER_SECRET_STORE,
    CredentialRefError,
    credential_namespace,
)
from eso.providers.aws.webidentity import service_account_namespace
from eso.providers.base import (
    AuthError,
    ConfigError,
    ProviderUnavailableError,
    SecretDataGetter,
)

if TYPE_CHECKING:
    from eso.api.meta import SecretKeySelector
    from eso.api.secretstore import AWSProvider


MSG_REF_NAMESPACE = "{field}: {error}"
MSG_REF_INCOMPLETE = "{field} must set name and key"
MSG_SECRET_MISSING = "cannot get Kubernetes secret {name!r} from namespace {namespace!r}: not found"
MSG_SECRET_UNREADABLE = (
    "cannot get Kubernetes secret {name!r} from namespace {namespace!r}: {error}"
)
MSG_KEY_MISSING = "cannot find secret data for key {key!r} in secret {name!r} ({field})"
MSG_KEY_EMPTY = "secret data for key {key!r} in secret {name!r} is empty ({field})"
MSG_JWT_NO_REF = "auth.jwt.serviceAccountRef must be set"
# Static checks have no reading namespace; any non-empty stand-in accepts a referent reference
# (ESO's ValidateReferentSecretSelector). "*" is no valid namespace, so it never names one.
_ANY_READER = "*"

ACCESS_KEY_FIELD = "auth.secretRef.accessKeyIDSecretRef"
SECRET_KEY_FIELD = "auth.secretRef.secretAccessKeySecretRef"
TOKEN_FIELD = "auth.secretRef.sessionTokenSecretRef"


@dataclass(frozen=True)
class StaticCredentials:
    """Keys read from Kubernetes; ``repr`` never shows the secret parts."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def _refs(aws: AWSProvider) -> list[tuple[str, SecretKeySelector | None]]:
    secret_ref = aws.auth.secret_ref
    if secret_ref is None:
        return []
    return [
        (ACCESS_KEY_FIELD, secret_ref.access_key_id),
        (SECRET_KEY_FIELD, secret_ref.secret_access_key),
        (TOKEN_FIELD, secret_ref.session_token),
    ]


def is_referent(aws: AWSProvider, *, store_kind: str) -> bool:
    """A ClusterSecretStore whose credentials depend on the reading namespace (ESO's rule)."""
    if store_kind != KIND_CLUSTER_SECRET_STORE:
        return False
    jwt = aws.auth.jwt
    if jwt is not None and jwt.service_account_ref is not None:
        return not jwt.service_account_ref.namespace
    return any(sel is not None and not sel.namespace for _, sel in _refs(aws))


def _namespace_of(
    sel: SecretKeySelector,
    *,
    field_name: str,
    store_kind: str,
    store_namespace: str | None,
    reader: str,
) -> str:
    """The namespace to read ``sel`` from, enforcing the store-kind rules."""
    if not sel.name or not sel.key:
        raise ConfigError(MSG_REF_INCOMPLETE.format(field=field_name))
    try:
        return credential_namespace(
            store_kind=store_kind,
            store_namespace=store_namespace,
            ref_namespace=sel.namespace,
            reader_namespace=reader,
        )
    except CredentialRefError as e:
        raise ConfigError(MSG_REF_NAMESPACE.format(field=field_name, error=e)) from None


def check_auth(aws: AWSProvider, *, store_kind: str, store_namespace: str | None) -> None:
    """Static checks of ``spec.provider.aws.auth``; raises ``ConfigError``."""
    jwt = aws.auth.jwt
    if jwt is not None and jwt.service_account_ref is None:
        raise ConfigError(MSG_JWT_NO_REF)
    if jwt is not None and jwt.service_account_ref is not None:
        service_account_namespace(
            jwt.service_account_ref,
            store_kind=store_kind,
            store_namespace=store_namespace,
            reader=_ANY_READER,
        )
    for field_name, sel in _refs(aws):
        if sel is not None:
            _namespace_of(
                sel,
                field_name=field_name,
                store_kind=store_kind,
                store_namespace=store_namespace,
                reader=_ANY_READER,
            )


async def resolve_credentials(
    aws: AWSProvider,
    *,
    store_kind: str,
    store_namespace: str | None,
    reader: str,
    get_secret: SecretDataGetter,
) -> StaticCredentials | None:
    """The store's static credentials, or ``None`` for the default credential chain.

    ``reader`` is the reading ExternalSecret's namespace (referent references resolve there).
    """
    check_auth(aws, store_kind=store_kind, store_namespace=store_namespace)
    refs = _refs(aws)
    if not refs:
        return None
    values: list[str | None] = []
    getter = _memo(get_secret)  # the key id and secret key usually live in one Secret
    for field_name, sel in refs:
        if sel is None:
            values.append(None)
            continue
        namespace = _namespace_of(
            sel,
            field_name=field_name,
            store_kind=store_kind,
            store_namespace=store_namespace,
            reader=reader,
        )
        values.append(await _read_key(sel, namespace=namespace, field_name=field_name, get=getter))
    access_key, secret_key, token = values
    assert access_key is not None and secret_key is not None  # both selectors are required
    return StaticCredentials(access_key, secret_key, token)


def _memo(get: SecretDataGetter) -> SecretDataGetter:
    """``get`` reading each Secret at most once."""
    seen: dict[tuple[str, str], Mapping[str, bytes] | None] = {}

    async def memo(namespace: str, name: str) -> Mapping[str, bytes] | None:
        if (namespace, name) not in seen:
            seen[(namespace, name)] = await get(namespace, name)
        return seen[(namespace, name)]

    return memo


async def _read_key(
    sel: SecretKeySelector, *, namespace: str, field_name: str, get: SecretDataGetter
) -> str:
    try:
        data = await get(namespace, sel.name)
    except Exception as e:  # kube errors: the provider layer cannot name their types
        raise ProviderUnavailableError(
            MSG_SECRET_UNREADABLE.format(name=sel.name, namespace=namespace, error=type(e).__name__)
        ) from e
    if data is None:
        raise AuthError(MSG_SECRET_MISSING.format(name=sel.name, namespace=namespace))
    raw = data.get(sel.key)
    if raw is None:
        raise AuthError(MSG_KEY_MISSING.format(key=sel.key, name=sel.name, field=field_name))
    # Keys never contain whitespace; a trailing newline from `echo` would only break signing.
    value = raw.decode("utf-8", "replace").strip()
    if not value:
        raise AuthError(MSG_KEY_EMPTY.format(key=sel.key, name=sel.name, field=field_name))
    return value
