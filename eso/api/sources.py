"""What an ExternalSecret reads: the store reference and the ``data`` / ``dataFrom`` entries.

Split from ``eso.api.externalsecret`` because these models are the read side of the spec, the
part providers see (``ExternalSecretDataRemoteRef`` is the ``ref`` of every provider read)
and the part that grows with new sources (generators, per-entry stores). Field names, enums
and defaults follow ESO's ``externalsecret_types.go``; ``eso.api.externalsecret`` and
``eso.api.models`` re-export everything here.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from eso.api.enums import (
    ConversionStrategy,
    DecodingStrategy,
    GeneratorKind,
    MetadataPolicy,
    NullBytePolicy,
    StoreKind,
)
from eso.api.findrewrite import ExternalSecretFind, ExternalSecretRewrite
from eso.api.meta import Crd, DnsSubdomain, EsoModel, Rule, SecretKey

__all__ = [
    "ExternalSecretData",
    "ExternalSecretDataFromRemoteRef",
    "ExternalSecretDataRemoteRef",
    "GeneratorRef",
    "SecretStoreRef",
    "StoreGeneratorSourceRef",
    "StoreSourceRef",
]

# Fields the CRD leaves without a server-side default (as ESO's); the model still defaults.
_MODEL_ONLY = Crd(server_default=False)


class SecretStoreRef(EsoModel):
    """Which SecretStore or ClusterSecretStore to fetch the data from."""

    name: DnsSubdomain = ""
    """Name of the SecretStore resource."""
    kind: Annotated[StoreKind, _MODEL_ONLY] = "SecretStore"
    """Kind of the SecretStore resource (SecretStore or ClusterSecretStore). Defaults to
    `SecretStore`."""


class GeneratorRef(EsoModel):
    """A generator custom resource."""

    api_version: str = "generators.external-secrets.io/v1alpha1"
    """The apiVersion of the generator resource."""
    kind: GeneratorKind
    """The kind of the generator resource."""
    name: DnsSubdomain
    """The name of the generator resource."""


class StoreSourceRef(EsoModel):
    """Overrides the store a single `data` entry is read from. Set exactly one property."""

    crd: ClassVar[Crd] = Crd(min_properties=1, max_properties=1)
    store_ref: SecretStoreRef | None = None
    """The store to read this entry from."""
    generator_ref: GeneratorRef | None = None
    """Deprecated: generatorRef is not implemented in .data[]."""


class StoreGeneratorSourceRef(EsoModel):
    """The store or generator a `dataFrom` entry reads from. Set exactly one property."""

    crd: ClassVar[Crd] = Crd(
        min_properties=1,
        max_properties=1,
        rules=(
            Rule(
                "has(self.storeRef) || has(self.generatorRef)",
                "generatorRef or storeRef must be set when using sourceRef in dataFrom",
            ),
        ),
    )
    store_ref: SecretStoreRef | None = None
    """The store to read this entry from; combine with extract or find."""
    generator_ref: GeneratorRef | None = None
    """A generator producing a map of values; not combinable with extract or find."""


class ExternalSecretDataRemoteRef(EsoModel):
    """Where a value lives in the provider and how to read it."""

    key: str
    """The key in the provider (for AWS: the secret name or ARN). Mandatory."""
    metadata_policy: Annotated[MetadataPolicy, _MODEL_ONLY] = "None"
    """Fetch tags/labels of the provider secret instead of its value: None or Fetch."""
    property: str = ""
    """A property of the provider value, if it is a map (gjson-style path)."""
    version: str = ""
    """A version of the provider value, if supported."""
    conversion_strategy: Annotated[ConversionStrategy, _MODEL_ONLY] = "Default"
    """How to convert the value. Defaults to Default."""
    decoding_strategy: Annotated[DecodingStrategy, _MODEL_ONLY] = "None"
    """How to decode the value. Defaults to None."""
    null_byte_policy: Annotated[NullBytePolicy, _MODEL_ONLY] = "Ignore"
    """Whether values containing NUL bytes are accepted (Ignore) or fail the sync (Fail)."""


class ExternalSecretData(EsoModel):
    """One key of the target Secret and the provider value it comes from."""

    secret_key: SecretKey
    """The key in the Kubernetes Secret to store the value."""
    remote_ref: ExternalSecretDataRemoteRef
    """Which provider value (version, property, ...) to fetch."""
    source_ref: StoreSourceRef | None = None
    """Overrides the store this value is read from."""


_ONE_DATA_FROM_SOURCE = (
    "(has(self.extract) ? 1 : 0) + (has(self.find) ? 1 : 0)"
    " + ((has(self.sourceRef) && has(self.sourceRef.generatorRef)) ? 1 : 0) <= 1"
)


class ExternalSecretDataFromRemoteRef(EsoModel):
    """Many keys at once: everything in one provider secret, or everything a find matches."""

    crd: ClassVar[Crd] = Crd(
        rules=(
            Rule(
                _ONE_DATA_FROM_SOURCE,
                "extract, find, or generatorRef cannot be set at the same time",
            ),
            Rule(
                "has(self.extract) || has(self.find) || has(self.sourceRef)",
                "either extract, find, or sourceRef must be set to dataFrom",
            ),
        )
    )
    extract: ExternalSecretDataRemoteRef | None = None
    """Extract all key/value pairs of one provider secret."""
    find: ExternalSecretFind | None = None
    """Find provider secrets by tags or name."""
    rewrite: list[ExternalSecretRewrite] = Field(default_factory=list)
    """Rewrite the keys, applied in order."""
    source_ref: StoreGeneratorSourceRef | None = None
    """Overrides the store, or reads from a generator."""
