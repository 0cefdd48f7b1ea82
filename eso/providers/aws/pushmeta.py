"""``data[].metadata`` of a PushSecret for the AWS services, parsed and defaulted as ESO does.

ESO reads ``metadata`` as a ``PushSecretMetadata`` object (``apiVersion:
kubernetes.external-secrets.io/v1alpha1``, ``kind: PushSecretMetadata``, ``spec``) with unknown
fields refused, so a typo is an error rather than a silently ignored option. The defaults are
ESO's (``constructMetadataWithDefaults``): description ``secret 'managed-by:external-secrets'``,
the service's default KMS key, the ``managed-by: external-secrets`` tag always added (and
refused when a user sets it), Secrets Manager's ``secretPushFormat`` ``binary``, Parameter
Store's type ``String`` and tier ``Standard``. Errors are ``ConfigError``s with ESO's wording;
they never contain a secret value (metadata holds none).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eso.providers.base import ConfigError

METADATA_API_VERSION = "kubernetes.external-secrets.io/v1alpha1"
METADATA_KIND = "PushSecretMetadata"
MANAGED_BY = "managed-by"
EXTERNAL_SECRETS = "external-secrets"
DEFAULT_DESCRIPTION = f"secret '{MANAGED_BY}:{EXTERNAL_SECRETS}'"
SM_DEFAULT_KMS_KEY = "alias/aws/secretsmanager"
SSM_DEFAULT_KMS_KEY = "alias/aws/ssm"
FORMAT_BINARY = "binary"
FORMAT_STRING = "string"

ERR_PARSE = f"failed to parse metadata: failed to parse {METADATA_API_VERSION} {METADATA_KIND}"
ERR_API_VERSION = "failed to parse metadata: unexpected apiVersion {got!r}, expected {want!r}"
ERR_KIND = "failed to parse metadata: unexpected kind {got!r}, expected {want!r}"
ERR_MANAGED_TAG = f"error parsing tags in metadata: Cannot specify a '{MANAGED_BY}' tag"
ERR_PUSH_FORMAT = "invalid secret push format: {value}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PolicySourceRef(_Strict):
    """Where a resource policy's JSON is: ``kind`` (ConfigMap or Secret), ``name``, ``key``."""

    kind: str = ""
    name: str = ""
    key: str = ""


class ResourcePolicy(_Strict):
    """ESO's ``ResourcePolicySpec``: the policy's source and PutResourcePolicy's flag."""

    block_public_policy: bool | None = Field(None, alias="blockPublicPolicy")
    policy_source_ref: PolicySourceRef | None = Field(None, alias="policySourceRef")


class SecretsManagerMetadata(_Strict):
    """Secrets Manager's metadata spec (ESO's ``PushSecretMetadataSpec``)."""

    tags: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    secret_push_format: str = Field("", alias="secretPushFormat")
    kms_key_id: str = Field("", alias="kmsKeyId")
    resource_policy: ResourcePolicy | None = Field(None, alias="resourcePolicy")
    # None (unset) leaves an existing secret's replicas alone; [] removes them (ESO's nil/empty).
    replication_locations: list[str] | None = Field(None, alias="replicationLocations")


class ParameterTier(_Strict):
    type: str = ""
    policies: Any = None


class ParameterStoreMetadata(_Strict):
    """Parameter Store's metadata spec (ESO's ``PushSecretMetadataSpec``)."""

    secret_type: Literal["", "String", "StringList", "SecureString"] = Field("", alias="secretType")
    kms_key_id: str = Field("", alias="kmsKeyID")
    tier: ParameterTier = Field(default_factory=ParameterTier)
    encode_as_decoded: bool = Field(False, alias="encodeAsDecoded")
    tags: dict[str, str] = Field(default_factory=dict)
    description: str = ""


def _spec(metadata: dict[str, Any] | None) -> dict[str, Any]:
    if not metadata:
        return {}
    if not isinstance(metadata, dict) or set(metadata) - {"apiVersion", "kind", "spec"}:
        raise ConfigError(ERR_PARSE)
    api_version, kind = metadata.get("apiVersion", ""), metadata.get("kind", "")
    if api_version != METADATA_API_VERSION:
        raise ConfigError(ERR_API_VERSION.format(got=api_version, want=METADATA_API_VERSION))
    if kind != METADATA_KIND:
        raise ConfigError(ERR_KIND.format(got=kind, want=METADATA_KIND))
    spec = metadata.get("spec") or {}
    if not isinstance(spec, dict):
        raise ConfigError(ERR_PARSE)
    return spec


def _with_managed_tag(tags: dict[str, str]) -> dict[str, str]:
    if MANAGED_BY in tags:
        raise ConfigError(ERR_MANAGED_TAG)
    return {**tags, MANAGED_BY: EXTERNAL_SECRETS}


def secrets_manager_metadata(metadata: dict[str, Any] | None) -> SecretsManagerMetadata:
    """The defaulted Secrets Manager metadata; raises ``ConfigError``."""
    try:
        meta = SecretsManagerMetadata.model_validate(_spec(metadata))
    except ValidationError as e:
        raise ConfigError(f"{ERR_PARSE}: {_fields(e)}") from None
    push_format = meta.secret_push_format or FORMAT_BINARY
    if push_format not in (FORMAT_BINARY, FORMAT_STRING):
        raise ConfigError(ERR_PUSH_FORMAT.format(value=push_format))
    return meta.model_copy(
        update={
            "secret_push_format": push_format,
            "description": meta.description or DEFAULT_DESCRIPTION,
            "kms_key_id": meta.kms_key_id or SM_DEFAULT_KMS_KEY,
            "tags": _with_managed_tag(meta.tags),
        }
    )


def parameter_store_metadata(metadata: dict[str, Any] | None) -> ParameterStoreMetadata:
    """The defaulted Parameter Store metadata; raises ``ConfigError``."""
    try:
        meta = ParameterStoreMetadata.model_validate(_spec(metadata))
    except ValidationError as e:
        raise ConfigError(f"{ERR_PARSE}: {_fields(e)}") from None
    return meta.model_copy(
        update={
            "description": meta.description or DEFAULT_DESCRIPTION,
            "tier": meta.tier.model_copy(update={"type": meta.tier.type or "Standard"}),
            "secret_type": meta.secret_type or "String",
            "kms_key_id": meta.kms_key_id or SSM_DEFAULT_KMS_KEY,
            "tags": _with_managed_tag(meta.tags),
        }
    )


def _fields(e: ValidationError) -> str:
    """Which fields were wrong, never their values."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in e.errors())


def is_managed(tags: dict[str, str]) -> bool:
    """ESO's ownership rule: the remote carries ``managed-by: external-secrets``."""
    return tags.get(MANAGED_BY) == EXTERNAL_SECRETS
