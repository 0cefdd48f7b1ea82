"""The ClusterPushSecret kind (external-secrets.io/v1alpha1, cluster-scoped): one PushSecret
spec stamped into every namespace its selectors pick.

Fields, defaults and status follow ESO's ``pushsecret_types.go`` (``ClusterPushSecret*``) so
ESO manifests apply unchanged. Unlike a ClusterExternalSecret there is no ``namespaces`` list
and no singular ``namespaceSelector``: ``namespaceSelectors`` are ORed, and none selects
nothing (ESO's ``GetTargetNamespaces`` with no selectors). The condition is ESO's
``PushSecretStatusCondition``; ESO writes only type, status and (when failing) a message.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from eso.api.duration import parse_duration
from eso.api.meta import (
    DURATION_PATTERN,
    Crd,
    DnsSubdomain,
    EsoModel,
    LabelSelector,
    ObjectMeta,
    tolerant,
)
from eso.api.pushsecret import API_VERSION, PushSecretSpec, PushSecretStatusCondition

__all__ = [
    "DEFAULT_REFRESH_SECONDS",
    "ClusterPushSecret",
    "ClusterPushSecretNamespaceFailure",
    "ClusterPushSecretSpec",
    "ClusterPushSecretStatus",
    "PushSecretMetadata",
]

DEFAULT_REFRESH_SECONDS = 3600.0  # ESO's RequeueInterval for ClusterPushSecrets (cmd/root.go)


class PushSecretMetadata(EsoModel):
    """Labels and annotations of the PushSecrets a ClusterPushSecret creates."""

    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None


class ClusterPushSecretSpec(EsoModel):
    """The desired state of a ClusterPushSecret."""

    push_secret_spec: Annotated[PushSecretSpec, Crd(required=True)] = Field(
        default_factory=PushSecretSpec
    )
    """PushSecretSpec defines what to do with the secrets."""
    refresh_time: Annotated[str | None, Crd(pattern=DURATION_PATTERN)] = None
    """How often to reconcile the PushSecrets and recheck namespaces for labels."""
    push_secret_name: DnsSubdomain | None = None
    """The name of the PushSecrets to be created; defaults to the ClusterPushSecret's."""
    push_secret_metadata: PushSecretMetadata = Field(default_factory=PushSecretMetadata)
    """The metadata of the PushSecrets to be created."""
    namespace_selectors: list[LabelSelector] = Field(default_factory=list)
    """Label selectors of the Namespaces to create the PushSecrets in; they are ORed."""

    def refresh_seconds(self) -> float:
        """``refreshTime`` in seconds, else ESO's one hour. Raises ``DurationError``."""
        if self.refresh_time is None:
            return DEFAULT_REFRESH_SECONDS
        return parse_duration(self.refresh_time)


class ClusterPushSecretNamespaceFailure(EsoModel):
    """A namespace where the PushSecret could not be applied, and why."""

    namespace: Annotated[str, Crd(required=True)] = ""
    """The namespace that failed when trying to apply a PushSecret."""
    reason: str | None = None
    """Why the PushSecret failed to apply to the namespace."""


class ClusterPushSecretStatus(EsoModel):
    """The observed state of a ClusterPushSecret."""

    failed_namespaces: list[ClusterPushSecretNamespaceFailure] = Field(default_factory=list)
    """The namespaces that failed to apply a PushSecret."""
    provisioned_namespaces: list[str] = Field(default_factory=list)
    """The namespaces where the ClusterPushSecret has PushSecrets."""
    push_secret_name: str = ""
    """The name of the PushSecrets created."""
    conditions: list[PushSecretStatusCondition] = Field(default_factory=list)


class ClusterPushSecret(EsoModel):
    """A ClusterPushSecret: creates a PushSecret in every selected namespace."""

    api_version: str = API_VERSION
    kind: str = "ClusterPushSecret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ClusterPushSecretSpec = Field(default_factory=ClusterPushSecretSpec)
    status: ClusterPushSecretStatus = Field(default_factory=ClusterPushSecretStatus)

    @field_validator("status", mode="wrap")
    @classmethod
    def _status(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return tolerant(ClusterPushSecretStatus, value, handler)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def push_secret_name(self) -> str:
        """The children's name: ``spec.pushSecretName``, else the ClusterPushSecret's own."""
        return self.spec.push_secret_name or self.metadata.name
