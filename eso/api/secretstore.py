"""The SecretStore and ClusterSecretStore kinds (external-secrets.io/v1): where secrets live and
how to authenticate there.

Follows ESO's ``secretstore_types.go`` and ``secretstore_aws_types.go``. Only the ``aws``
provider is modelled field by field, because it is the one eso implements; every other ESO
provider is kept as an opaque mapping (``SecretStoreProvider.model_extra``) so ESO manifests
apply unchanged and ``eso.api.features`` can name the provider eso does not support yet.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidatorFunctionWrapHandler, field_validator

from eso.api.duration import DurationError, parse_duration
from eso.api.meta import (
    Condition,
    Crd,
    DnsLabel,
    EsoModel,
    LabelSelector,
    ObjectMeta,
    Rule,
    SecretKeySelector,
    ServiceAccountSelector,
    tolerant,
)

AWSService = Literal["SecretsManager", "ParameterStore", "CertificateManager"]
SessionTagsPolicy = Literal["None", "Simple", "Custom"]
Capabilities = Literal["ReadOnly", "WriteOnly", "ReadWrite"]

# ESO's other providers (spec.provider.<name>), kept opaque. The CRD lists them so that ESO
# stores are accepted (and then refused by the controller with a clear condition).
OTHER_PROVIDERS: tuple[str, ...] = (
    "akeyless",
    "azurekv",
    "barbican",
    "beyondtrust",
    "beyondtrustworkloadcredentials",
    "bitwardensecretsmanager",
    "chef",
    "cloudrusm",
    "conjur",
    "crd",
    "delinea",
    "doppler",
    "dvls",
    "fake",
    "fortanix",
    "gcpsm",
    "github",
    "gitlab",
    "ibm",
    "infisical",
    "keepersecurity",
    "kubernetes",
    "nebiusmysterybox",
    "ngrok",
    "onboardbase",
    "onepassword",
    "onepasswordSDK",
    "openBao",
    "oracle",
    "ovh",
    "passbolt",
    "passworddepot",
    "previder",
    "pulumi",
    "scaleway",
    "secretserver",
    "senhasegura",
    "vault",
    "volcengine",
    "webhook",
    "yandexcertificatemanager",
    "yandexlockbox",
)


class AWSAuthSecretRef(EsoModel):
    """Static AWS credentials read from Kubernetes Secrets."""

    access_key_id: SecretKeySelector = Field(
        default_factory=SecretKeySelector, alias="accessKeyIDSecretRef"
    )
    """The AccessKeyID used for authentication."""
    secret_access_key: SecretKeySelector = Field(
        default_factory=SecretKeySelector, alias="secretAccessKeySecretRef"
    )
    """The SecretAccessKey used for authentication."""
    session_token: SecretKeySelector | None = Field(default=None, alias="sessionTokenSecretRef")
    """The SessionToken, required when the access key is temporary."""


class AWSJWTAuth(EsoModel):
    """Authenticate with a Kubernetes service account token (IRSA-style web identity)."""

    service_account_ref: ServiceAccountSelector | None = None


class AWSAuth(EsoModel):
    """How to authenticate against AWS: secretRef or jwt; neither means the SDK defaults."""

    secret_ref: AWSAuthSecretRef | None = None
    jwt: AWSJWTAuth | None = None


class AWSSecretsManager(EsoModel):
    """Secrets Manager delete behaviour; only PushSecret deletions use it."""

    force_delete_without_recovery: bool = False
    """Delete without any recovery window."""
    recovery_window_in_days: Annotated[int, Crd(format="int64")] = 0
    """Days (7 to 30) Secrets Manager waits before deleting permanently."""


class AWSTag(EsoModel):
    """An AWS tag."""

    key: str
    value: str


_RESERVED_SESSION_TAGS = Rule(
    "!('esoNamespace' in self) && !('esoStoreName' in self) && !('esoStoreKind' in self)",
    "customSessionTags cannot contain automatically injected reserved keys:"
    " esoNamespace, esoStoreName, esoStoreKind",
)


class AWSProvider(EsoModel):
    """Sync secrets from AWS Secrets Manager or Parameter Store."""

    service: AWSService
    """Which AWS service to read secrets from."""
    auth: AWSAuth = Field(default_factory=AWSAuth)
    """How to authenticate; if unset, credentials come from the environment."""
    role: str = ""
    """A role ARN to assume."""
    region: str
    """The AWS region."""
    additional_roles: list[str] = Field(default_factory=list)
    """Role ARNs assumed in order before assuming role."""
    external_id: str = Field(default="", alias="externalID")
    """The external ID set on assumed roles."""
    session_tags: list[AWSTag] = Field(default_factory=list)
    """STS assume-role session tags."""
    secrets_manager: AWSSecretsManager | None = None
    """Secrets Manager specific behaviour."""
    transitive_tag_keys: list[str] = Field(default_factory=list)
    """STS assume-role transitive session tag keys."""
    session_tags_policy: SessionTagsPolicy = "None"
    """Whether to add eso's own session tags when assuming roles: None, Simple or Custom."""
    custom_session_tags: Annotated[dict[str, str], Crd(rules=(_RESERVED_SESSION_TAGS,))] = Field(
        default_factory=dict
    )
    """Extra session tags when sessionTagsPolicy is Custom."""
    prefix: str = ""
    """A prefix added to every key read from this store."""


class SecretStoreProvider(EsoModel):
    """The provider configuration; exactly one provider may be set.

    ``extra="allow"``: providers other than aws land in ``model_extra`` untouched.
    """

    model_config = ConfigDict(extra="allow")
    crd: ClassVar[Crd] = Crd(min_properties=1, max_properties=1)
    crd_opaque_properties: ClassVar[tuple[str, ...]] = OTHER_PROVIDERS
    aws: AWSProvider | None = None
    """AWS Secrets Manager or Parameter Store."""

    def names(self) -> list[str]:
        """The provider keys that are set (``["aws"]`` for a valid AWS store)."""
        found = ["aws"] if self.aws is not None else []
        return found + [k for k, v in (self.model_extra or {}).items() if v is not None]

    @property
    def name(self) -> str | None:
        """The one provider set, or None when zero or several are."""
        names = self.names()
        return names[0] if len(names) == 1 else None

    def opaque(self, name: str) -> dict[str, Any] | None:
        """The raw configuration of a provider eso does not model."""
        value = (self.model_extra or {}).get(name)
        return value if isinstance(value, dict) else None


class SecretStoreRetrySettings(EsoModel):
    """HTTP retries against the provider."""

    max_retries: Annotated[int | None, Crd(format="int32")] = None
    retry_interval: str | None = None


class ClusterSecretStoreCondition(EsoModel):
    """Namespaces allowed to use a ClusterSecretStore (any of selector, names, regexes)."""

    namespace_selector: LabelSelector | None = None
    """Choose namespaces by labels."""
    namespaces: list[DnsLabel] = Field(default_factory=list)
    """Choose namespaces by name."""
    namespace_regexes: list[str] = Field(default_factory=list)
    """Choose namespaces by regular expression."""


class SecretStoreSpec(EsoModel):
    """The desired state of a SecretStore or ClusterSecretStore."""

    controller: str = ""
    """Selects the eso controller (`--controller-class`) that handles this store."""
    provider: Annotated[SecretStoreProvider, Crd(required=True)] = Field(
        default_factory=SecretStoreProvider
    )
    """The provider; exactly one may be set."""
    retry_settings: SecretStoreRetrySettings | None = None
    """HTTP retries against the provider."""
    # No CEL rule for the duration form: a regex over an unbounded int-or-string would blow the
    # API server's cost budget; refresh_interval_seconds() reports a bad value instead.
    refresh_interval: int | str | None = None
    """How often to revalidate the store: seconds, or a Go duration. Empty or 0: the default."""
    conditions: list[ClusterSecretStoreCondition] = Field(default_factory=list)
    """Namespaces allowed to use a ClusterSecretStore."""

    def refresh_interval_seconds(self) -> float | None:
        """The store's revalidation interval in seconds, None for the controller default."""
        value = self.refresh_interval
        if value is None or value in (0, ""):
            return None
        seconds = float(value) if isinstance(value, int) else parse_duration(value)
        if seconds < 0:
            raise DurationError(f"negative refreshInterval {value!r}")
        return seconds or None


class SecretStoreStatusCondition(Condition):
    """A status condition of a SecretStore."""


class SecretStoreStatus(EsoModel):
    """The observed state of a store."""

    conditions: list[SecretStoreStatusCondition] = Field(default_factory=list)
    capabilities: str = ""
    """ReadOnly, WriteOnly or ReadWrite."""

    def condition(self, type_: str) -> SecretStoreStatusCondition | None:
        """The condition of that type, or None."""
        return next((c for c in self.conditions if c.type == type_), None)


class _Store(EsoModel):
    """Shared shape of SecretStore and ClusterSecretStore."""

    api_version: str = "external-secrets.io/v1"
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: SecretStoreSpec = Field(default_factory=SecretStoreSpec)
    status: SecretStoreStatus = Field(default_factory=SecretStoreStatus)

    @field_validator("status", mode="wrap")
    @classmethod
    def _status(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return tolerant(SecretStoreStatus, value, handler)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def provider(self) -> SecretStoreProvider:
        return self.spec.provider

    def is_ready(self) -> bool:
        """Whether the Ready condition is True."""
        cond = self.status.condition("Ready")
        return cond is not None and cond.status == "True"

    def is_validated(self) -> bool:
        """Whether the store controller has judged it at all (a Ready condition, either way);
        one not judged yet is waited for, not reported "not ready" (``storeaccess``)."""
        return self.status.condition("Ready") is not None


class SecretStore(_Store):
    """A namespaced store: usable by ExternalSecrets in its own namespace."""

    kind: str = "SecretStore"


class ClusterSecretStore(_Store):
    """A cluster-wide store: usable from any namespace its conditions allow."""

    kind: str = "ClusterSecretStore"


AnyStore = SecretStore | ClusterSecretStore
