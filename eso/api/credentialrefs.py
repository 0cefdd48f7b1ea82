"""Which namespace a store's credential reference may be read from: ESO's rule, in one place.

A namespaced SecretStore reads credential Secrets (and ServiceAccounts) only from its own
namespace (a reference may leave the namespace empty or repeat it). A ClusterSecretStore's
reference names its namespace, or leaves it empty: then it is resolved in the namespace of the
ExternalSecret reading through the store (ESO's *referent* authentication,
``runtime/esutils/resolvers``), so each team's ExternalSecrets use their own namespace's
credentials. Without a reading namespace (store validation, the store index) an empty one names
nothing and ``credential_namespace`` says so with ESO's "cluster scope requires namespace". The
provider layer, the credential reader and the store index all call ``credential_namespace``.
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
    *,
    store_kind: str,
    store_namespace: str | None,
    ref_namespace: str | None,
    reader_namespace: str | None = None,
) -> str:
    """The namespace to read the referenced object from; raises ``CredentialRefError``.

    ``reader_namespace`` is the reading ExternalSecret's namespace (referent authentication of
    a ClusterSecretStore); empty or ``None`` when no ExternalSecret is reading.
    """
    if store_kind == KIND_CLUSTER_SECRET_STORE:
        if ref_namespace:
            return ref_namespace
        if reader_namespace:
            return reader_namespace
        raise CredentialRefError(ERR_CLUSTER_NEEDS_NAMESPACE)
    own = store_namespace or ""
    if ref_namespace and ref_namespace != own:
        raise CredentialRefError(ERR_CROSS_NAMESPACE)
    return own
