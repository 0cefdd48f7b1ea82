"""Which namespace a store's credential reference may be read from: ESO's rule, in one place.

A namespaced SecretStore reads credential Secrets only from its own namespace (a reference may
leave the namespace empty or repeat it); a ClusterSecretStore's references must name their
namespace. The messages are ESO's (``runtime/esutils/resolvers``), so users see what ESO shows.
The provider layer, the credential reader and the store index all call ``credential_namespace``.
"""

from __future__ import annotations

from typing import Final

KIND_CLUSTER_SECRET_STORE: Final = "ClusterSecretStore"
ERR_CROSS_NAMESPACE: Final = (
    "namespace should either be empty or match the namespace of the SecretStore for a "
    "namespaced SecretStore"
)
ERR_CLUSTER_NEEDS_NAMESPACE: Final = "cluster scope requires namespace"


class CredentialRefError(ValueError):
    """A credential reference the store kind may not use; the message is ESO's."""


def credential_namespace(
    *, store_kind: str, store_namespace: str | None, ref_namespace: str | None
) -> str:
    """The namespace to read the referenced Secret from; raises ``CredentialRefError``."""
    if store_kind == KIND_CLUSTER_SECRET_STORE:
        if not ref_namespace:
            raise CredentialRefError(ERR_CLUSTER_NEEDS_NAMESPACE)
        return ref_namespace
    own = store_namespace or ""
    if ref_namespace and ref_namespace != own:
        raise CredentialRefError(ERR_CROSS_NAMESPACE)
    return own
