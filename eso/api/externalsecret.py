"""The ExternalSecret kind (external-secrets.io/v1): what to fetch, from which store, into which
Secret.

Field names, enums and defaults follow ESO's ``apis/externalsecrets/v1/externalsecret_types.go``
so ESO manifests apply unchanged. The whole spec is modelled, including what eso does not
implement yet; ``eso.api.features`` names those parts so a controller can refuse them with a
clear condition instead of silently ignoring them. The ``Crd(...)`` markers carry the schema
facts and the CEL rules that replace ESO's admission webhook (see ``eso.api.meta``).

The enums live in ``eso.api.enums``, the template types in ``eso.api.template`` and what is read
(store reference, ``data`` and ``dataFrom`` entries) in ``eso.api.sources``; all are
re-exported here.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from eso.api.duration import parse_duration
from eso.api.enums import (
    ConversionStrategy,
    CreationPolicy,
    DecodingStrategy,
    DeletionPolicy,
    GeneratorKind,
    MetadataPolicy,
    NullBytePolicy,
    RefreshPolicy,
    RewriteConflictPolicy,
    RewriteMergeStrategy,
    RewritePriorityPolicy,
    StoreKind,
    SyncWindowKind,
    TemplateEngineVersion,
    TemplateMergePolicy,
    TemplateScope,
)
from eso.api.findrewrite import (
    ExternalSecretFind,
    ExternalSecretRewrite,
    ExternalSecretRewriteMerge,
    ExternalSecretRewriteRegexp,
    ExternalSecretRewriteTransform,
    FindName,
)
from eso.api.meta import (
    DURATION_PATTERN,
    MSG_NOT_A_DURATION,
    Condition,
    Crd,
    DnsSubdomain,
    EsoModel,
    LocalObjectReference,
    ObjectMeta,
    Rule,
    tolerant,
)
from eso.api.sources import (
    ExternalSecretData,
    ExternalSecretDataFromRemoteRef,
    ExternalSecretDataRemoteRef,
    GeneratorRef,
    SecretStoreRef,
    StoreGeneratorSourceRef,
    StoreSourceRef,
)
from eso.api.template import (
    ExternalSecretTemplate,
    ExternalSecretTemplateMetadata,
    ManifestReference,
    TemplateFrom,
    TemplateRef,
    TemplateRefItem,
)

__all__ = [
    "MAX_DATA_FROM_ITEMS",
    "MAX_DATA_ITEMS",
    "ConversionStrategy",
    "CreationPolicy",
    "DecodingStrategy",
    "DeletionPolicy",
    "ExternalSecret",
    "ExternalSecretData",
    "ExternalSecretDataFromRemoteRef",
    "ExternalSecretDataRemoteRef",
    "ExternalSecretFind",
    "ExternalSecretRewrite",
    "ExternalSecretRewriteMerge",
    "ExternalSecretRewriteRegexp",
    "ExternalSecretRewriteTransform",
    "ExternalSecretSpec",
    "ExternalSecretStatus",
    "ExternalSecretStatusCondition",
    "ExternalSecretSyncWindowEntry",
    "ExternalSecretSyncWindows",
    "ExternalSecretTarget",
    "ExternalSecretTemplate",
    "ExternalSecretTemplateMetadata",
    "FindName",
    "GeneratorKind",
    "GeneratorRef",
    "ManifestReference",
    "MetadataPolicy",
    "NullBytePolicy",
    "RefreshPolicy",
    "RewriteConflictPolicy",
    "RewriteMergeStrategy",
    "RewritePriorityPolicy",
    "SecretStoreRef",
    "StoreGeneratorSourceRef",
    "StoreKind",
    "StoreSourceRef",
    "SyncWindowKind",
    "TemplateEngineVersion",
    "TemplateFrom",
    "TemplateMergePolicy",
    "TemplateRef",
    "TemplateRefItem",
    "TemplateScope",
]

# Bounds for lists that CEL rules iterate: the API server rejects a CRD whose rules could
# exceed its cost budget, and it estimates an unbounded list from the maximum request size.
# The duplicate-secretKey rule is quadratic in data[]: 300 items stays well inside both the
# estimated (10M) and the runtime per-call (1M) budgets for keys of ordinary length.
MAX_DATA_ITEMS = 300
MAX_DATA_FROM_ITEMS = 500

_MODEL_ONLY = Crd(server_default=False)
# A rule with a message rather than a bare ``pattern``: kube-apiserver words a pattern failure
# with the regular expression itself; ESO accepts any string and lets Go's parser take "-1h".
# maxLength bounds the rule's estimated cost; "[.]" keeps the CEL string free of escapes.
_DURATION = Crd(
    max_length=64,
    rules=(
        Rule(
            rule=f"self.matches('{DURATION_PATTERN.replace(chr(92) + '.', '[.]')}')",
            message=MSG_NOT_A_DURATION,
        ),
    ),
)


_TARGET_RULES = (
    Rule(
        "!(has(self.deletionPolicy) && self.deletionPolicy == 'Delete' && has(self.creationPolicy)"
        " && self.creationPolicy in ['Merge', 'None', 'CreateOrMerge'])",
        "deletionPolicy=Delete must not be used when the controller doesn't own the secret."
        " Please set creationPolicy=Owner",
    ),
    Rule(
        "!(has(self.deletionPolicy) && self.deletionPolicy == 'Merge' && has(self.creationPolicy)"
        " && self.creationPolicy == 'None')",
        "deletionPolicy=Merge must not be used with creationPolicy=None."
        " There is no Secret to merge with",
    ),
    Rule(
        "!has(self.template) || !has(self.template.templateFrom)"
        " || (has(self.manifest) && !(self.manifest.apiVersion == 'v1'"
        " && self.manifest.kind == 'Secret'))"
        " || self.template.templateFrom.all(t, !has(t.target)"
        " || t.target.lowerAscii() in ['', 'data', 'annotations', 'labels'])",
        'templateFrom target is not allowed when targeting a Secret, must be one of "Data",'
        ' "Annotations" or "Labels"',
    ),
)


class ExternalSecretTarget(EsoModel):
    """The Kubernetes Secret to create; there is one target per ExternalSecret."""

    crd: ClassVar[Crd] = Crd(rules=_TARGET_RULES)
    name: DnsSubdomain | None = None
    """The name of the Secret to manage. Defaults to the name of the ExternalSecret."""
    creation_policy: CreationPolicy = "Owner"
    """How to create the Secret. Defaults to Owner."""
    deletion_policy: DeletionPolicy = "Retain"
    """What to do with the Secret when the provider data is gone. Defaults to Retain."""
    template: ExternalSecretTemplate | None = None
    """A blueprint for the created Secret."""
    manifest: ManifestReference | None = None
    """A resource type to create instead of a Secret."""
    immutable: bool = False
    """Whether the created Secret is immutable."""


class ExternalSecretSyncWindowEntry(EsoModel):
    """A cron schedule and how long the window stays open after each firing."""

    schedule: Annotated[
        str,
        Crd(
            min_length=1,
            pattern=r"^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)"
            r"|@every [^\s]+.*|[^\s]+( [^\s]+){4})$",
        ),
    ]
    """A 5-field cron expression in UTC, or a shorthand such as @daily."""
    duration: Annotated[str, _DURATION]
    """How long the window stays open, e.g. "8h"."""


class ExternalSecretSyncWindows(EsoModel):
    """When periodic refreshes may happen."""

    kind: SyncWindowKind
    """allow: refresh only inside a window; deny: never inside a window."""
    windows: Annotated[list[ExternalSecretSyncWindowEntry], Crd(min_items=1)]


_DATA_OR_DATA_FROM = Rule(
    "(has(self.data) && size(self.data) > 0) || (has(self.dataFrom) && size(self.dataFrom) > 0)",
    "either data or dataFrom should be specified",
)
_UNIQUE_SECRET_KEYS = Rule(
    "!has(self.data) || (has(self.target) && has(self.target.deletionPolicy)"
    " && self.target.deletionPolicy != 'Retain')"
    " || self.data.all(d, self.data.exists_one(e, e.secretKey == d.secretKey))",
    "duplicate secretKey found",
    field_path=".data",
)


class ExternalSecretSpec(EsoModel):
    """The desired state of an ExternalSecret."""

    crd: ClassVar[Crd] = Crd(rules=(_DATA_OR_DATA_FROM, _UNIQUE_SECRET_KEYS))
    secret_store_ref: SecretStoreRef = Field(default_factory=SecretStoreRef)
    """The store to fetch the data from."""
    target: Annotated[
        ExternalSecretTarget,
        Crd(default={"creationPolicy": "Owner", "deletionPolicy": "Retain"}),
    ] = Field(default_factory=ExternalSecretTarget)
    """The Secret to create."""
    refresh_policy: Annotated[RefreshPolicy, _MODEL_ONLY] = "Periodic"
    """When to refresh: Periodic (every refreshInterval), OnChange or CreatedOnce."""
    refresh_interval: Annotated[str, _DURATION] = "1h0m0s"
    """How often to read the values again, as a Go duration ("1h", "10m"). "0s" syncs once."""
    sync_windows: ExternalSecretSyncWindows | None = None
    """Restricts when periodic refreshes may happen."""
    data: Annotated[list[ExternalSecretData], Crd(max_items=MAX_DATA_ITEMS)] = Field(
        default_factory=list
    )
    """Secret keys and the provider values they come from."""
    data_from: Annotated[
        list[ExternalSecretDataFromRemoteRef], Crd(max_items=MAX_DATA_FROM_ITEMS)
    ] = Field(default_factory=list)
    """Provider secrets whose properties all become keys, merged in order."""

    def refresh_interval_seconds(self) -> float:
        """``refreshInterval`` in seconds; 0 means sync once. Raises ``DurationError``."""
        return parse_duration(self.refresh_interval)


class ExternalSecretStatusCondition(Condition):
    """A status condition of an ExternalSecret."""

    type: Annotated[str, Crd(required=True, enum=("Ready", "Deleted"))] = ""


class ExternalSecretStatus(EsoModel):
    """The observed state of an ExternalSecret."""

    refresh_time: Annotated[str | None, Crd(format="date-time", nullable=True)] = None
    """When the data was last fetched and the Secret updated."""
    synced_resource_version: str = ""
    """The ExternalSecret resourceVersion (generation) last synced."""
    conditions: list[ExternalSecretStatusCondition] = Field(default_factory=list)
    binding: LocalObjectReference = Field(default_factory=LocalObjectReference)
    """A servicebinding.io Provisioned Service reference to the Secret."""

    def condition(self, type_: str) -> ExternalSecretStatusCondition | None:
        """The condition of that type, or None."""
        return next((c for c in self.conditions if c.type == type_), None)


class ExternalSecret(EsoModel):
    """An ExternalSecret: fetches data from a store into a Kubernetes Secret."""

    api_version: str = "external-secrets.io/v1"
    kind: str = "ExternalSecret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: Annotated[ExternalSecretSpec, Crd(required=True)] = Field(
        default_factory=ExternalSecretSpec
    )
    status: ExternalSecretStatus = Field(default_factory=ExternalSecretStatus)

    @field_validator("status", mode="wrap")
    @classmethod
    def _status(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return tolerant(ExternalSecretStatus, value, handler)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or ""

    @property
    def target_name(self) -> str:
        """The managed Secret's name: ``spec.target.name``, else the ExternalSecret's name."""
        return self.spec.target.name or self.metadata.name

    @property
    def store_kind(self) -> StoreKind:
        return self.spec.secret_store_ref.kind
