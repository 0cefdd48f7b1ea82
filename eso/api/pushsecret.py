"""The PushSecret kind (external-secrets.io/v1alpha1, namespaced): push a Kubernetes Secret's
values to one or more stores.

Fields, defaults, condition reasons and the ``syncedPushSecrets`` status map follow ESO's
``apis/externalsecrets/v1alpha1/pushsecret_types.go`` so ESO manifests apply unchanged. The
per-provider ``data[].metadata`` stays an opaque JSON object here, as in ESO: each provider
parses its own ``PushSecretMetadata`` (AWS: ``eso.providers.aws.pushmeta``). ``dataTo`` is
expanded by ``eso.controllers.pushsecret.datato``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from eso.api.duration import parse_duration
from eso.api.findrewrite import ExternalSecretRewrite
from eso.api.meta import (
    DURATION_PATTERN,
    Condition,
    Crd,
    DnsSubdomain,
    EsoModel,
    LabelSelector,
    ObjectMeta,
    tolerant,
)
from eso.api.sources import GeneratorRef
from eso.api.template import ExternalSecretTemplate

__all__ = [
    "API_VERSION",
    "DEFAULT_REFRESH_SECONDS",
    "FINALIZER",
    "PushSecret",
    "PushSecretData",
    "PushSecretDataTo",
    "PushSecretMatch",
    "PushSecretRemoteRef",
    "PushSecretSecret",
    "PushSecretSelector",
    "PushSecretSpec",
    "PushSecretStatus",
    "PushSecretStatusCondition",
    "PushSecretStoreRef",
    "status_ref",
    "store_key",
]

API_VERSION = "external-secrets.io/v1alpha1"
# ESO's finalizer, added only with deletionPolicy Delete (the name is ESO's, typo-free as is).
FINALIZER = "pushsecret.externalsecrets.io/finalizer"
DEFAULT_REFRESH_SECONDS = 3600.0  # ESO's kubebuilder default "1h0m0s"

PushSecretUpdatePolicy = Literal["Replace", "IfNotExists"]
PushSecretDeletionPolicy = Literal["Delete", "None"]
PushSecretConversionStrategy = Literal["None", "ReverseUnicode"]
PushStoreKind = Literal["SecretStore", "ClusterSecretStore"]


class PushSecretStoreRef(EsoModel):
    """A store to push to: by name, or every store of ``kind`` matching ``labelSelector``."""

    name: DnsSubdomain | None = None
    """Optionally, sync to the SecretStore of the given name."""
    label_selector: LabelSelector | None = None
    """Optionally, sync to secret stores with label selector."""
    kind: PushStoreKind = "SecretStore"
    """Kind of the SecretStore resource (SecretStore or ClusterSecretStore)."""


class PushSecretSecret(EsoModel):
    """The source Secret: by name, or every Secret of the namespace matching ``selector``."""

    name: DnsSubdomain | None = None
    """Name of the Secret; it must exist in the same namespace as the PushSecret."""
    selector: LabelSelector | None = None
    """Selector chooses secrets using a labelSelector."""


class PushSecretSelector(EsoModel):
    """Where the pushed values come from: a Secret, or a generator."""

    crd = Crd(min_properties=1, max_properties=1)
    secret: PushSecretSecret | None = None
    """Select a Secret to Push."""
    generator_ref: GeneratorRef | None = None
    """Point to a generator to create a Secret."""


class PushSecretRemoteRef(EsoModel):
    """The location of the secret in the provider."""

    remote_key: Annotated[str, Crd(required=True)] = ""
    """Name of the resulting provider secret."""
    property: str = ""
    """Name of the property in the resulting secret."""


class PushSecretMatch(EsoModel):
    """Which source key goes to which remote location (no ``secretKey``: the whole Secret)."""

    secret_key: str = ""
    """Secret Key to be pushed."""
    remote_ref: Annotated[PushSecretRemoteRef, Crd(required=True)] = Field(
        default_factory=PushSecretRemoteRef
    )
    """Remote Refs to push to providers."""


class PushSecretData(EsoModel):
    """One value to push, with the provider-specific metadata to push it with."""

    match: Annotated[PushSecretMatch, Crd(required=True)] = Field(default_factory=PushSecretMatch)
    """Match a given Secret Key to be pushed to the provider."""
    metadata: dict[str, Any] | None = None
    """Metadata attached to the secret; its structure is provider specific."""
    conversion_strategy: PushSecretConversionStrategy = "None"
    """Used to define a conversion Strategy for the secret keys."""

    @property
    def secret_key(self) -> str:
        return self.match.secret_key

    @property
    def remote_key(self) -> str:
        return self.match.remote_ref.remote_key

    @property
    def remote_property(self) -> str:
        return self.match.remote_ref.property


class PushSecretDataTo(EsoModel):
    """Bulk push rules (ESO 2.x ``dataTo``), expanded per store by the controller."""

    store_ref: PushSecretStoreRef | None = None
    """StoreRef specifies which SecretStore to push to."""
    remote_key: str = ""
    """The single provider secret receiving all matched keys as a JSON object."""
    match: dict[str, str] | None = None
    """Match pattern (``regexp``) for selecting keys from the source Secret."""
    rewrite: list[ExternalSecretRewrite] = Field(default_factory=list)
    """Rewrite operations to transform keys before pushing."""
    metadata: dict[str, Any] | None = None
    """Metadata attached to the secret; its structure is provider specific."""
    conversion_strategy: PushSecretConversionStrategy = "None"
    """Used to define a conversion Strategy for the secret keys."""


class PushSecretSpec(EsoModel):
    """The desired state of a PushSecret."""

    refresh_interval: Annotated[str, Crd(pattern=DURATION_PATTERN)] = "1h0m0s"
    """The Interval to which External Secrets will try to push a secret definition."""
    secret_store_refs: Annotated[list[PushSecretStoreRef], Crd(required=True)] = Field(
        default_factory=list
    )
    """The stores to push to."""
    update_policy: PushSecretUpdatePolicy = "Replace"
    """UpdatePolicy to handle Secrets in the provider."""
    deletion_policy: PushSecretDeletionPolicy = "None"
    """Deletion Policy to handle Secrets in the provider."""
    selector: Annotated[PushSecretSelector, Crd(required=True)] = Field(
        default_factory=PushSecretSelector
    )
    """The Secret Selector (k8s source) for the Push Secret."""
    data: list[PushSecretData] = Field(default_factory=list)
    """Secret Data that should be pushed to providers."""
    data_to: list[PushSecretDataTo] = Field(default_factory=list)
    """Bulk push rules that expand source Secret keys into provider entries."""
    template: ExternalSecretTemplate | None = None
    """Template defines a blueprint for the pushed values."""

    def refresh_seconds(self) -> float:
        """``refreshInterval`` in seconds; raises ``DurationError``."""
        return parse_duration(self.refresh_interval)


class PushSecretStatusCondition(Condition):
    """A status condition of a PushSecret (type Ready)."""


class PushSecretStatus(EsoModel):
    """The observed state of a PushSecret."""

    refresh_time: Annotated[str | None, Crd(format="date-time", nullable=True)] = None
    """When the values were last pushed."""
    synced_resource_version: str = ""
    """SyncedResourceVersion keeps track of the last synced version."""
    synced_push_secrets: dict[str, dict[str, PushSecretData]] = Field(default_factory=dict)
    """What was pushed where: ``Kind/name`` of the store → remote ref → the data entry."""
    conditions: list[PushSecretStatusCondition] = Field(default_factory=list)


class PushSecret(EsoModel):
    """A PushSecret: pushes a Kubernetes Secret's values to external secret stores."""

    api_version: str = API_VERSION
    kind: str = "PushSecret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PushSecretSpec = Field(default_factory=PushSecretSpec)
    status: PushSecretStatus = Field(default_factory=PushSecretStatus)

    @field_validator("status", mode="wrap")
    @classmethod
    def _status(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return tolerant(PushSecretStatus, value, handler)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or ""


def status_ref(data: PushSecretData) -> str:
    """The key of ``data`` in ``syncedPushSecrets``: ``remoteKey`` or ``remoteKey/property``."""
    if data.remote_property:
        return f"{data.remote_key}/{data.remote_property}"
    return data.remote_key


def store_key(kind: str, name: str) -> str:
    """The key of a store in ``syncedPushSecrets``: ``Kind/name``."""
    return f"{kind}/{name}"
