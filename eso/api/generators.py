"""The generator kinds (generators.external-secrets.io/v1alpha1) eso serves, as models.

A generator is a namespaced object whose ``spec`` says how to make values (a password, a UUID,
an SSH key pair, an ECR or STS token); an ExternalSecret reads them through
``spec.dataFrom[].sourceRef.generatorRef``. ``ClusterGenerator`` is the cluster-wide form: a
``spec.kind`` and a ``spec.generator`` union holding that kind's spec, used from every
namespace as if a generator of that kind lived there (ESO's "virtual" generator).

Field names, defaults and enums follow ESO's ``apis/generators/v1alpha1/types_*.go``. The AWS
kinds reuse the store's ``AWSAuth`` model: ESO's generator ``auth`` block has the same shape
(``secretRef``, ``jwt``). The other ESO kinds a ClusterGenerator may hold are kept opaque, as
``SecretStoreProvider`` keeps other providers: ESO manifests apply, and the ExternalSecret
reading them gets a condition naming the kind eso does not implement. No kind here keeps a
``GeneratorState``: none of the five returns provider state in ESO (nothing to clean up).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Final, Literal

from pydantic import ConfigDict, Field

from eso.api.meta import Crd, EsoModel, ObjectMeta
from eso.api.secretstore import AWSAuth

__all__ = [
    "GENERATOR_API_VERSION",
    "GENERATOR_GROUP",
    "GENERATOR_VERSION",
    "IMPLEMENTED_KINDS",
    "KIND_CLUSTER_GENERATOR",
    "OTHER_GENERATOR_SPECS",
    "SPEC_FIELDS",
    "ClusterGenerator",
    "ClusterGeneratorSpec",
    "ECRAuthorizationToken",
    "ECRAuthorizationTokenSpec",
    "GeneratorSpec",
    "Password",
    "PasswordSpec",
    "SSHKey",
    "SSHKeySpec",
    "STSRequestParameters",
    "STSSessionToken",
    "STSSessionTokenSpec",
    "UUIDSpec",
    "Uuid",
]

GENERATOR_GROUP: Final = "generators.external-secrets.io"
GENERATOR_VERSION: Final = "v1alpha1"
GENERATOR_API_VERSION: Final = f"{GENERATOR_GROUP}/{GENERATOR_VERSION}"
KIND_CLUSTER_GENERATOR: Final = "ClusterGenerator"

PasswordEncoding = Literal["base64", "base64url", "base32", "hex", "raw"]
SSHKeyType = Literal["rsa", "ecdsa", "ed25519"]
# ESO's GeneratorKind enum (ClusterGenerator.spec.kind), in ESO's order.
ClusterGeneratorKind = Literal[
    "ACRAccessToken",
    "BeyondtrustWorkloadCredentialsDynamicSecret",
    "CloudsmithAccessToken",
    "ECRAuthorizationToken",
    "Fake",
    "GCRAccessToken",
    "GithubAccessToken",
    "GitlabDeployToken",
    "QuayAccessToken",
    "Password",
    "SSHKey",
    "STSSessionToken",
    "UUID",
    "VaultDynamicSecret",
    "Webhook",
    "Grafana",
    "MFA",
]
# The specs of ESO's other kinds under ClusterGenerator.spec.generator, kept opaque.
OTHER_GENERATOR_SPECS: tuple[str, ...] = (
    "acrAccessTokenSpec",
    "beyondtrustWorkloadCredentialsDynamicSecretSpec",
    "cloudsmithAccessTokenSpec",
    "fakeSpec",
    "gcrAccessTokenSpec",
    "githubAccessTokenSpec",
    "gitlabDeployTokenSpec",
    "grafanaSpec",
    "mfaSpec",
    "quayAccessTokenSpec",
    "vaultDynamicSecretSpec",
    "webhookSpec",
)
_INT32 = Crd(format="int32")


class ECRAuthorizationTokenSpec(EsoModel):
    """How to get an AWS ECR authorization token."""

    region: str
    """The AWS region to operate in."""
    auth: AWSAuth = Field(default_factory=AWSAuth)
    """How to authenticate with AWS; neither secretRef nor jwt: the controller's credentials."""
    role: str = ""
    """A role to assume before calling ECR."""
    scope: str = ""
    """The ECR service scope: private (the default) or public."""


class STSRequestParameters(EsoModel):
    """Parameters of the GetSessionToken call."""

    session_duration: Annotated[int | None, _INT32] = None
    """How long the credentials stay valid, in seconds (900 to 129600; AWS's default 43200)."""
    serial_number: str | None = None
    """The MFA device of the IAM user making the call (serial number or ARN)."""
    token_code: str | None = None
    """The value of the MFA device, if MFA is required."""


class STSSessionTokenSpec(EsoModel):
    """How to get AWS STS session credentials (GetSessionToken)."""

    region: str
    """The AWS region to operate in."""
    auth: AWSAuth = Field(default_factory=AWSAuth)
    """How to authenticate with AWS (secretRef; jwt cannot call GetSessionToken)."""
    role: str = ""
    """A role to assume before calling STS."""
    request_parameters: STSRequestParameters | None = None
    """Parameters passed to GetSessionToken."""


class PasswordSpec(EsoModel):
    """How to generate a password."""

    length: Annotated[int, Crd(required=True, default=24)] = 24
    """Length of the password. Defaults to 24."""
    digits: int | None = None
    """Number of digits; if omitted, 25% of the length."""
    symbols: int | None = None
    """Number of symbol characters; if omitted, 25% of the length."""
    symbol_characters: str | None = None
    """The symbol characters to use; if omitted, ~!@#$%^&*()_+`-={}|[]\\:"<>?,./"""
    no_upper: Annotated[bool, Crd(required=True, default=False)] = False
    """Disable uppercase characters."""
    allow_repeat: Annotated[bool, Crd(required=True, default=False)] = False
    """Allow repeating characters."""
    secret_keys: Annotated[list[Annotated[str, Crd(min_length=1)]] | None, Crd(min_items=1)] = None
    """The keys that get a generated password each. Defaults to "password"."""
    encoding: PasswordEncoding = "raw"
    """Encoding of the password: raw (the default), base64, base64url, base32 or hex."""


class UUIDSpec(EsoModel):
    """The UUID generator has no settings."""


class SSHKeySpec(EsoModel):
    """How to generate an SSH key pair."""

    key_type: SSHKeyType = "rsa"
    """The key type: rsa (the default), ecdsa or ed25519."""
    key_size: Annotated[int | None, Crd(minimum=256, maximum=8192)] = None
    """Bits of an RSA key (default 2048) or ECDSA curve (256, 384, 521; default 256)."""
    comment: str = ""
    """A comment for the key."""


class GeneratorSpec(EsoModel):
    """The spec of a ClusterGenerator's kind; exactly one may be set.

    ``extra="allow"``: the specs of kinds eso does not implement land in ``model_extra``.
    """

    model_config = ConfigDict(extra="allow")
    crd: ClassVar[Crd] = Crd(min_properties=1, max_properties=1)
    crd_opaque_properties: ClassVar[tuple[str, ...]] = OTHER_GENERATOR_SPECS
    ecr_authorization_token_spec: ECRAuthorizationTokenSpec | None = None
    """An ECRAuthorizationToken's spec."""
    password_spec: PasswordSpec | None = None
    """A Password's spec."""
    ssh_key_spec: SSHKeySpec | None = None
    """An SSHKey's spec."""
    sts_session_token_spec: STSSessionTokenSpec | None = None
    """An STSSessionToken's spec."""
    uuid_spec: UUIDSpec | None = None
    """A UUID's spec."""


# ClusterGenerator.spec.kind → the GeneratorSpec field holding that kind's spec (eso's kinds).
SPEC_FIELDS: Final[Mapping[str, str]] = {
    "ECRAuthorizationToken": "ecr_authorization_token_spec",
    "Password": "password_spec",
    "SSHKey": "ssh_key_spec",
    "STSSessionToken": "sts_session_token_spec",
    "UUID": "uuid_spec",
}
IMPLEMENTED_KINDS: tuple[str, ...] = tuple(SPEC_FIELDS)


class ClusterGeneratorSpec(EsoModel):
    """A generator kind and its spec, usable from every namespace."""

    kind: ClusterGeneratorKind
    """The kind of this generator."""
    generator: GeneratorSpec
    """The spec of this generator; must match the kind."""


class _Generator(EsoModel):
    """Shared shape of every generator kind: apiVersion, kind, metadata, spec."""

    api_version: str = GENERATOR_API_VERSION
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)


class ECRAuthorizationToken(_Generator):
    """Generates an ECR authorization token (GetAuthorizationToken), valid for 12 hours."""

    kind: str = "ECRAuthorizationToken"
    spec: ECRAuthorizationTokenSpec


class STSSessionToken(_Generator):
    """Generates temporary AWS credentials with STS GetSessionToken."""

    kind: str = "STSSessionToken"
    spec: STSSessionTokenSpec


class Password(_Generator):
    """Generates a random password from the spec's length and character set."""

    kind: str = "Password"
    spec: PasswordSpec = Field(default_factory=PasswordSpec)


class Uuid(_Generator):
    """Generates a random (version 4) UUID."""

    kind: str = "UUID"
    spec: UUIDSpec = Field(default_factory=UUIDSpec)


class SSHKey(_Generator):
    """Generates an SSH key pair (rsa, ecdsa or ed25519)."""

    kind: str = "SSHKey"
    spec: SSHKeySpec = Field(default_factory=SSHKeySpec)


class ClusterGenerator(_Generator):
    """A cluster-wide generator, referenced from any namespace by `generatorRef`."""

    kind: str = KIND_CLUSTER_GENERATOR
    spec: ClusterGeneratorSpec

    def inner_spec(self) -> EsoModel | None:
        """The spec of ``spec.kind`` when eso implements that kind and it is set, else None."""
        field = SPEC_FIELDS.get(self.spec.kind)
        spec: EsoModel | None = None if field is None else getattr(self.spec.generator, field)
        return spec
