"""``auth.jwt``: AWS credentials from a Kubernetes ServiceAccount token (IRSA per store).

ESO's rules, restated (``providers/v1/aws/auth``): the ServiceAccount is ``serviceAccountRef.name``
in the store's namespace - for a ClusterSecretStore in ``serviceAccountRef.namespace``, or, when
that is empty, in the reading ExternalSecret's namespace (referent authentication). Its
``eks.amazonaws.com/role-arn`` annotation is the role of ``AssumeRoleWithWebIdentity`` and must be
set (ESO's "an IAM role must be associated with service account ..."); the token's audiences are
the ``eks.amazonaws.com/audience`` annotation (default ``sts.amazonaws.com``) followed by
``serviceAccountRef.audiences``. The store's ``additionalRoles`` and ``role`` are then assumed on
top of the web identity credentials with plain ``AssumeRole``, externalID and session tags on the
last one, exactly as with static keys (``session.py``). So the annotation names the first hop and
the store's ``role`` the last; a store ``role`` never replaces the annotation.

Providers never import kube: the controller hands in a ``ServiceAccountTokenGetter``, which
reads the ServiceAccount (cached briefly) and requests tokens (cached until shortly before they
expire). STS credentials are botocore refreshable credentials whose refresh calls ``fetch``:
they are refreshed 15 minutes before they expire while the old ones keep serving (botocore's
advisory window), so a refresh never leaves a gap; the clock is injected so tests can move time.
The token travels only from the getter to STS: it is never logged, never in a message, and the
STS call is unsigned (AssumeRoleWithWebIdentity needs no AWS credentials, like the AWS SDKs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiobotocore.credentials import AioDeferredRefreshableCredentials

from eso.api.credentialrefs import CredentialRefError, credential_namespace
from eso.clock import Clock
from eso.providers.aws.errors import classify
from eso.providers.base import (
    AuthError,
    ConfigError,
    ProviderError,
    ProviderUnavailableError,
    ServiceAccountInfo,
    ServiceAccountTokenGetter,
)

if TYPE_CHECKING:
    from eso.api.meta import ServiceAccountSelector
    from eso.api.secretstore import AWSProvider

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
AUDIENCE_ANNOTATION = "eks.amazonaws.com/audience"
DEFAULT_AUDIENCE = "sts.amazonaws.com"
ROLE_SESSION_NAME = "external-secrets-provider-aws"  # ESO's session name for web identity
FIELD = "auth.jwt.serviceAccountRef"

MSG_NO_GETTER = "auth.jwt: this controller cannot request service account tokens"
MSG_REF_NAMESPACE = FIELD + ": {error}"
MSG_REF_NAME = FIELD + ".name must be set"
MSG_SA_MISSING = 'cannot get service account "{name}" in namespace "{namespace}": not found'
MSG_SA_UNREADABLE = 'cannot get service account "{name}" in namespace "{namespace}": {error}'
MSG_NO_ROLE = "an IAM role must be associated with service account {name} (namespace: {namespace})"
MSG_TOKEN_UNAVAILABLE = (
    'cannot request Kubernetes service account token for service account "{name}": {error}'
)
MSG_ASSUME = "AssumeRoleWithWebIdentity {role}"


@dataclass(frozen=True)
class WebIdentity:
    """Who calls AssumeRoleWithWebIdentity: a ServiceAccount (by uid), a role, audiences."""

    namespace: str
    name: str
    uid: str
    role_arn: str
    audiences: tuple[str, ...]

    def material(self) -> list[Any]:
        """What the credential identity digest covers (no token: it changes, the principal not)."""
        return [self.namespace, self.name, self.uid, self.role_arn, list(self.audiences)]


def service_account_namespace(
    ref: ServiceAccountSelector, *, store_kind: str, store_namespace: str | None, reader: str
) -> str:
    """The namespace of the referenced ServiceAccount (ESO's rule, incl. referent auth)."""
    if not ref.name:
        raise ConfigError(MSG_REF_NAME)
    try:
        return credential_namespace(
            store_kind=store_kind,
            store_namespace=store_namespace,
            ref_namespace=ref.namespace,
            reader_namespace=reader,
        )
    except CredentialRefError as e:
        raise ConfigError(MSG_REF_NAMESPACE.format(error=e)) from None


def audiences_for(sa: ServiceAccountInfo, ref: ServiceAccountSelector) -> tuple[str, ...]:
    """The annotation's audience (or sts.amazonaws.com), then the store's, in order."""
    first = sa.annotations.get(AUDIENCE_ANNOTATION) or DEFAULT_AUDIENCE
    return (first, *(ref.audiences or ()))


async def resolve_web_identity(
    aws: AWSProvider,
    *,
    store_kind: str,
    store_namespace: str | None,
    reader: str,
    get_token: ServiceAccountTokenGetter | None,
) -> WebIdentity | None:
    """The store's web identity, or ``None`` without ``auth.jwt``; raises ``ProviderError``.

    Reads the ServiceAccount (through the getter's cache) but requests no token: tokens are
    requested when STS credentials are fetched or refreshed.
    """
    jwt = aws.auth.jwt
    if jwt is None or jwt.service_account_ref is None:
        return None
    ref = jwt.service_account_ref
    namespace = service_account_namespace(
        ref, store_kind=store_kind, store_namespace=store_namespace, reader=reader
    )
    if get_token is None:
        raise ConfigError(MSG_NO_GETTER)
    try:
        sa = await get_token.service_account(namespace, ref.name)
    except Exception as e:  # kube errors: the provider layer cannot name their types
        raise ProviderUnavailableError(
            MSG_SA_UNREADABLE.format(name=ref.name, namespace=namespace, error=type(e).__name__)
        ) from e
    if sa is None:
        raise AuthError(MSG_SA_MISSING.format(name=ref.name, namespace=namespace))
    role = sa.annotations.get(ROLE_ARN_ANNOTATION, "").strip()
    if not role:
        raise AuthError(MSG_NO_ROLE.format(name=ref.name, namespace=namespace))
    return WebIdentity(namespace, ref.name, sa.uid, role, audiences_for(sa, ref))


StsFactory = Callable[[], Any]  # () -> async context manager yielding an STS client


class WebIdentityCredentials:
    """STS credentials of one ``WebIdentity``, fetched on first use and refreshed in time."""

    def __init__(
        self,
        identity: WebIdentity,
        *,
        get_token: ServiceAccountTokenGetter,
        create_sts: StsFactory,
        clock: Clock,
    ) -> None:
        self._identity = identity
        self._get_token = get_token
        self._create_sts = create_sts
        self._clock = clock

    def credentials(self) -> AioDeferredRefreshableCredentials:
        """botocore credentials that call ``fetch`` when they (are about to) expire."""
        return AioDeferredRefreshableCredentials(
            refresh_using=self.fetch, method="assume-role-with-web-identity", time_fetcher=self._now
        )

    def _now(self) -> datetime:
        return self._clock.wall()

    async def fetch(self) -> Mapping[str, str]:
        """A token, then AssumeRoleWithWebIdentity; botocore's credential metadata."""
        ident = self._identity
        token = await self._token()
        what = MSG_ASSUME.format(role=ident.role_arn)
        try:
            async with self._create_sts() as sts:
                resp = await sts.assume_role_with_web_identity(
                    RoleArn=ident.role_arn,
                    RoleSessionName=ROLE_SESSION_NAME,
                    WebIdentityToken=token,
                )
        except Exception as e:
            raise classify(e, what=what) from None  # the cause may echo the token: drop it
        creds = resp["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if isinstance(expiry, datetime) else str(expiry),
        }

    async def _token(self) -> str:
        ident = self._identity
        try:
            token = await self._get_token.token(
                ident.namespace, ident.name, uid=ident.uid, audiences=ident.audiences
            )
        except ProviderError:
            raise
        except Exception as e:
            raise ProviderUnavailableError(
                MSG_TOKEN_UNAVAILABLE.format(name=ident.name, error=type(e).__name__)
            ) from e
        return token.token
