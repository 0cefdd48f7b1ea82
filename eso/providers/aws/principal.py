"""Who a store's AWS calls run as: one ``ClientSpec`` builder for every AWS service.

Secrets Manager and Parameter Store authenticate identically (ESO's shared ``auth`` package):
``auth.jwt`` (IRSA per store) wins over ``auth.secretRef``, then ``additionalRoles`` and ``role``
are assumed in order with ``externalID`` and the session tags of ``sessionTagsPolicy`` on the
last one. Building the spec in one place keeps the two services' identities (and so their
value caches) from drifting apart; only the service endpoint differs. The store's
``retrySettings`` ride along (``retries.py``): they shape the client, not the principal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eso.providers.aws.auth import resolve_credentials
from eso.providers.aws.retries import retry_policy
from eso.providers.aws.session import STS_ENDPOINT_ENV, ClientSpec, resolve_endpoint
from eso.providers.aws.webidentity import resolve_web_identity
from eso.providers.base import SecretDataGetter, ServiceAccountTokenGetter

if TYPE_CHECKING:
    from eso.api.secretstore import AnyStore
    from eso.api.secretstore import AWSProvider as AWSProviderSpec


def session_tags(
    aws: AWSProviderSpec, *, store: AnyStore, namespace: str
) -> tuple[tuple[str, str], ...]:
    """The final AssumeRole's tags under ``sessionTagsPolicy`` (ESO's ``buildSessionTags``)."""
    if aws.session_tags_policy == "None":
        return tuple((t.key, t.value) for t in aws.session_tags)
    tags: dict[str, str] = {}
    if aws.session_tags_policy == "Custom":
        tags.update({k: v for k, v in aws.custom_session_tags.items() if k and v})
    tags.update(esoNamespace=namespace, esoStoreName=store.metadata.name, esoStoreKind=store.kind)
    return tuple(sorted(tags.items()))


async def client_spec(
    store: AnyStore,
    aws: AWSProviderSpec,
    *,
    namespace: str,
    endpoint_url: str | None,
    get_secret: SecretDataGetter,
    get_token: ServiceAccountTokenGetter | None,
) -> ClientSpec:
    """Everything that names the principal: web identity or static keys, roles, tags.

    ``namespace`` is the reading ExternalSecret's (referent credentials resolve in it);
    ``endpoint_url`` the service's resolved endpoint override (None: the regional one).
    """
    kind, own = store.kind, store.metadata.namespace
    web = await resolve_web_identity(
        aws, store_kind=kind, store_namespace=own, reader=namespace, get_token=get_token
    )
    credentials = None
    if web is None:  # auth.jwt wins over auth.secretRef, as in ESO
        credentials = await resolve_credentials(
            aws, store_kind=kind, store_namespace=own, reader=namespace, get_secret=get_secret
        )
    return ClientSpec(
        region=aws.region,
        endpoint_url=endpoint_url,
        credentials=credentials,
        roles=(*aws.additional_roles, *([aws.role] if aws.role else [])),
        external_id=aws.external_id,
        session_tags=session_tags(aws, store=store, namespace=namespace),
        transitive_tag_keys=tuple(aws.transitive_tag_keys),
        sts_endpoint_url=resolve_endpoint(None, names=STS_ENDPOINT_ENV),
        web_identity=web,
        retry=retry_policy(store),
        get_token=get_token,
    )
