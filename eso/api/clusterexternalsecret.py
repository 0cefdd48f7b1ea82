"""The ClusterExternalSecret kind (external-secrets.io/v1, cluster-scoped): one ExternalSecret
spec stamped into every namespace a selector picks.

Fields, defaults and status follow ESO's ``apis/externalsecrets/v1/clusterexternalsecret_types.go``
so ESO manifests apply unchanged. ESO's status condition has no ``reason`` and no transition
time (its CRD would prune them), so ``ClusterExternalSecretStatusCondition`` has neither: what
eso writes is exactly what ESO's schema keeps.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from eso.api.duration import parse_duration
from eso.api.externalsecret import ExternalSecretSpec
from eso.api.meta import (
    DURATION_PATTERN,
    Crd,
    DnsLabel,
    DnsSubdomain,
    EsoModel,
    LabelSelector,
    ObjectMeta,
    tolerant,
)

__all__ = [
    "DEFAULT_REFRESH_SECONDS",
    "ClusterExternalSecret",
    "ClusterExternalSecretNamespaceFailure",
    "ClusterExternalSecretSpec",
    "ClusterExternalSecretStatus",
    "ClusterExternalSecretStatusCondition",
    "ExternalSecretMetadata",
]

# ESO's controller RequeueInterval for ClusterExternalSecrets without refreshTime (cmd/root.go).
DEFAULT_REFRESH_SECONDS = 3600.0


class ExternalSecretMetadata(EsoModel):
    """Labels and annotations of the ExternalSecrets a ClusterExternalSecret creates."""

    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None


class ClusterExternalSecretSpec(EsoModel):
    """The desired state of a ClusterExternalSecret."""

    external_secret_spec: Annotated[ExternalSecretSpec, Crd(required=True)] = Field(
        default_factory=ExternalSecretSpec
    )
    """The spec for the ExternalSecrets to be created."""
    external_secret_name: DnsSubdomain | None = None
    """The name of the ExternalSecrets to be created; defaults to the ClusterExternalSecret's."""
    external_secret_metadata: ExternalSecretMetadata = Field(default_factory=ExternalSecretMetadata)
    """The metadata of the ExternalSecrets to be created."""
    namespace_selector: LabelSelector | None = None
    """Deprecated: use namespaceSelectors. The labels that select the target Namespaces."""
    namespace_selectors: list[LabelSelector] | None = None
    """Label selectors of the target Namespaces; the selectors are ORed."""
    namespaces: list[DnsLabel] | None = None
    """Deprecated: use namespaceSelectors. Namespaces by name, ORed with the selectors."""
    refresh_time: Annotated[str | None, Crd(pattern=DURATION_PATTERN)] = None
    """How often to reconcile the ExternalSecrets and recheck namespace labels (Go duration)."""

    def selectors(self) -> list[LabelSelector]:
        """``namespaceSelector`` (if set) then ``namespaceSelectors``, as ESO orders them."""
        first = [self.namespace_selector] if self.namespace_selector is not None else []
        return [*first, *(self.namespace_selectors or [])]

    def refresh_seconds(self) -> float:
        """``refreshTime`` in seconds, else ESO's one hour. Raises ``DurationError``."""
        if self.refresh_time is None:
            return DEFAULT_REFRESH_SECONDS
        return parse_duration(self.refresh_time)


class ClusterExternalSecretStatusCondition(EsoModel):
    """A status condition of a ClusterExternalSecret (ESO's: type, status, message)."""

    type: Annotated[str, Crd(required=True)] = ""
    status: Annotated[str, Crd(required=True)] = "Unknown"
    message: str | None = None


class ClusterExternalSecretNamespaceFailure(EsoModel):
    """A namespace where the ExternalSecret could not be applied, and why."""

    namespace: Annotated[str, Crd(required=True)] = ""
    """The namespace that failed when trying to apply an ExternalSecret."""
    reason: str | None = None
    """Why the ExternalSecret failed to apply to the namespace."""


class ClusterExternalSecretStatus(EsoModel):
    """The observed state of a ClusterExternalSecret."""

    external_secret_name: str | None = None
    """The name of the ExternalSecrets created by the ClusterExternalSecret."""
    failed_namespaces: list[ClusterExternalSecretNamespaceFailure] = Field(default_factory=list)
    """The namespaces that failed to apply an ExternalSecret."""
    provisioned_namespaces: list[str] = Field(default_factory=list)
    """The namespaces where the ClusterExternalSecret has secrets."""
    conditions: list[ClusterExternalSecretStatusCondition] = Field(default_factory=list)


class ClusterExternalSecret(EsoModel):
    """A ClusterExternalSecret: creates an ExternalSecret in every selected namespace."""

    api_version: str = "external-secrets.io/v1"
    kind: str = "ClusterExternalSecret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: Annotated[ClusterExternalSecretSpec, Crd(required=True)] = Field(
        default_factory=ClusterExternalSecretSpec
    )
    status: ClusterExternalSecretStatus = Field(default_factory=ClusterExternalSecretStatus)

    @field_validator("status", mode="wrap")
    @classmethod
    def _status(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return tolerant(ClusterExternalSecretStatus, value, handler)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def external_secret_name(self) -> str:
        """The children's name: ``spec.externalSecretName``, else the CES's own name."""
        return self.spec.external_secret_name or self.metadata.name
