"""The ``spec.target.template`` and ``spec.target.manifest`` parts of an ExternalSecret.

Modelled in full (ESO's ``ExternalSecretTemplate``) so ESO manifests apply and the CRD enforces
what ESO's admission webhook enforces about templates, even though eso does not render templates
yet (``eso.api.features`` flags their use). Kept apart from ``externalsecret`` because nothing
else in eso reads these types.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from eso.api.enums import (
    DecodingStrategy,
    TemplateEngineVersion,
    TemplateMergePolicy,
    TemplateScope,
)
from eso.api.meta import Crd, DnsSubdomain, EsoModel, Rule, SecretKey

# templateFrom is iterated by a CEL rule; see MAX_DATA_ITEMS in eso.api.externalsecret.
MAX_TEMPLATE_FROM_ITEMS = 100


class ExternalSecretTemplateMetadata(EsoModel):
    """Labels, annotations and finalizers for the rendered Secret."""

    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)


class TemplateRefItem(EsoModel):
    """A key of a ConfigMap or Secret holding a template."""

    key: SecretKey
    """A key in the ConfigMap/Secret."""
    template_as: TemplateScope = "Values"
    """Whether the template renders values only or keys and values."""


class TemplateRef(EsoModel):
    """A ConfigMap or Secret holding templates."""

    name: DnsSubdomain
    """The name of the ConfigMap/Secret resource."""
    items: list[TemplateRefItem]
    """The keys to use as templates."""


class TemplateFrom(EsoModel):
    """A source of templates: a ConfigMap, a Secret or a literal."""

    config_map: TemplateRef | None = None
    secret: TemplateRef | None = None
    target: Annotated[str, Crd(max_length=253)] = "Data"
    """Where the result goes: Data, Annotations or Labels."""
    literal: str | None = None
    values_decoding_strategy: DecodingStrategy | None = None
    """How to decode the rendered values. Defaults to None."""


_SA_TOKEN = "'kubernetes.io/service-account-token'"
_TEMPLATE_RULES = (
    Rule(
        "!has(self.type) || self.type != 'bootstrap.kubernetes.io/token'",
        'template.type="bootstrap.kubernetes.io/token" is not allowed',
    ),
    Rule(
        f"!(has(self.type) && self.type == {_SA_TOKEN} && has(self.metadata)"
        " && has(self.metadata.annotations)"
        " && 'kubernetes.io/service-account.name' in self.metadata.annotations)",
        'template.type="kubernetes.io/service-account-token" with annotation'
        ' "kubernetes.io/service-account.name" is not allowed',
    ),
    Rule(
        f"!(has(self.type) && self.type == {_SA_TOKEN} && has(self.templateFrom)"
        " && self.templateFrom.exists(t, has(t.target) && t.target.lowerAscii() == 'annotations'))",
        'template.type="kubernetes.io/service-account-token" with templateFrom'
        ' target="Annotations" is not allowed',
    ),
)


class ExternalSecretTemplate(EsoModel):
    """A blueprint for the created Secret: type, metadata and templated data."""

    crd: ClassVar[Crd] = Crd(rules=_TEMPLATE_RULES)
    type: str | None = None
    """The Secret type."""
    engine_version: TemplateEngineVersion = "v2"
    """The template engine version."""
    metadata: ExternalSecretTemplateMetadata | None = None
    merge_policy: TemplateMergePolicy = "Replace"
    data: dict[str, str] = Field(default_factory=dict)
    template_from: Annotated[list[TemplateFrom], Crd(max_items=MAX_TEMPLATE_FROM_ITEMS)] = Field(
        default_factory=list
    )


class ManifestReference(EsoModel):
    """A resource type to create instead of a Secret."""

    api_version: Annotated[str, Crd(min_length=1)]
    """APIVersion of the target resource (e.g. "v1" for ConfigMap)."""
    kind: Annotated[str, Crd(min_length=1)]
    """Kind of the target resource (e.g. "ConfigMap")."""
