"""Building blocks shared by the external-secrets.io models: the base model, CRD schema markers,
Kubernetes ``ObjectMeta``-lite, selectors and status conditions.

Why a marker instead of pydantic constraints: the API server validates every object against the
CRD before we ever see it, so re-checking patterns and lengths in pydantic would only cost CPU
on every informer event (the cache may hold 10k ExternalSecrets). ``Crd(...)`` inside
``Annotated[...]`` is invisible to pydantic and read only by ``eso.api.crdgen``, so one
declaration drives both the Python type and the CRD schema and the two cannot drift apart.

Timestamps stay RFC 3339 strings, as the API server sends them: parsing them on every watch event
would be wasted work, and ``parse_time``/``format_time`` convert when a controller needs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_serializer,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "DNS_LABEL_PATTERN",
    "DNS_SUBDOMAIN_PATTERN",
    "DURATION_PATTERN",
    "MSG_NOT_A_DURATION",
    "SECRET_KEY_PATTERN",
    "Condition",
    "ConditionStatus",
    "Crd",
    "DnsLabel",
    "DnsSubdomain",
    "EsoModel",
    "LabelSelector",
    "LabelSelectorRequirement",
    "LocalObjectReference",
    "ObjectMeta",
    "OwnerReference",
    "Rule",
    "SecretKey",
    "SecretKeySelector",
    "ServiceAccountSelector",
    "format_time",
    "parse_time",
    "tolerant",
]

DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"
# What Go's time.ParseDuration accepts, without a sign: a negative refresh interval means nothing.
DURATION_PATTERN = r"^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$"
MSG_NOT_A_DURATION = 'must be a non-negative Go duration such as "1h30m", "10m" or "0s"'


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``x-kubernetes-validations`` entry: a CEL ``rule`` and the ``message`` users see."""

    rule: str
    message: str
    field_path: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Crd:
    """CRD-only schema facts for a field (in ``Annotated``) or a model (``crd`` ClassVar).

    pydantic ignores this object; ``eso.api.crdgen`` turns it into OpenAPI keywords.
    ``server_default=False`` keeps a model default out of the CRD: the API server will not fill
    it in, and eso applies it when reading (ESO's v1 CRD does the same for remoteRef strategies).
    """

    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    format: str | None = None
    default: Any = None
    server_default: bool = True
    required: bool = False
    nullable: bool = False
    map_type: str | None = None
    list_type: str | None = None
    rules: tuple[Rule, ...] = ()


_NAME = Crd(min_length=1, max_length=253, pattern=DNS_SUBDOMAIN_PATTERN)
DnsSubdomain = Annotated[str, _NAME]
DnsLabel = Annotated[str, Crd(min_length=1, max_length=63, pattern=DNS_LABEL_PATTERN)]
SecretKey = Annotated[str, Crd(min_length=1, max_length=253, pattern=SECRET_KEY_PATTERN)]
ConditionStatus = Literal["True", "False", "Unknown"]


class EsoModel(BaseModel):
    """Base of every API model: immutable, camelCase on the wire, unknown fields ignored."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
    )
    crd: ClassVar[Crd] = Crd()

    def to_dict(self, *, exclude_defaults: bool = False) -> dict[str, Any]:
        """The object as the API server expects it (camelCase, no ``None`` fields)."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude_defaults=exclude_defaults
        )


class OwnerReference(EsoModel):
    """A reference to an object owning this one (garbage collection)."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(EsoModel):
    """The parts of ``metadata`` that eso reads; everything else is ignored."""

    name: str = ""
    namespace: str | None = None
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    finalizers: list[str] = Field(default_factory=list)
    owner_references: list[OwnerReference] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Write metadata as kubectl would: no ``uid: ""`` or ``generation: 0`` placeholders."""
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k == "name" or v not in ("", 0, [], {})}


class LocalObjectReference(EsoModel):
    """A reference to an object in the same namespace."""

    crd: ClassVar[Crd] = Crd(map_type="atomic")
    # core/v1 LocalObjectReference's +default="" (ESO's status.binding.name carries it)
    name: Annotated[str, Crd(default="")] = ""
    """Name of the referent."""


class LabelSelectorRequirement(EsoModel):
    """A label selector requirement: a key, an operator and values."""

    key: str
    """The label key that the selector applies to."""
    operator: str
    """In, NotIn, Exists or DoesNotExist."""
    values: Annotated[list[str] | None, Crd(list_type="atomic")] = None
    """Values for In and NotIn; empty for Exists and DoesNotExist."""


class LabelSelector(EsoModel):
    """A Kubernetes label selector (matchLabels AND matchExpressions)."""

    crd: ClassVar[Crd] = Crd(map_type="atomic")
    match_labels: dict[str, str] | None = None
    """Labels that must all match."""
    match_expressions: Annotated[list[LabelSelectorRequirement] | None, Crd(list_type="atomic")] = (
        None
    )
    """Requirements that must all hold."""


class SecretKeySelector(EsoModel):
    """A key in a Kubernetes Secret."""

    name: DnsSubdomain = ""
    """The name of the Secret resource being referred to."""
    namespace: DnsLabel | None = None
    """Namespace of the Secret; only a ClusterSecretStore may set it (and must)."""
    key: SecretKey = ""
    """A key in the referenced Secret."""


class ServiceAccountSelector(EsoModel):
    """A Kubernetes ServiceAccount, for token-based authentication."""

    name: DnsSubdomain
    """The name of the ServiceAccount resource being referred to."""
    namespace: DnsLabel | None = None
    """Namespace of the ServiceAccount; only a ClusterSecretStore may set it."""
    audiences: list[str] | None = None
    """Audiences (`aud` claim) of the service account token."""


class Condition(EsoModel):
    """A status condition. Lenient on purpose: status is whatever the last writer put there."""

    type: Annotated[str, Crd(required=True)] = ""
    status: Annotated[str, Crd(required=True)] = "Unknown"
    reason: str | None = None
    message: str | None = None
    last_transition_time: Annotated[str | None, Crd(format="date-time")] = None


def format_time(when: datetime) -> str:
    """RFC 3339 with second precision and ``Z``, as Kubernetes writes ``metav1.Time``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """A timezone-aware datetime from a Kubernetes RFC 3339 timestamp; raises ValueError."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tolerant(model: type[EsoModel], value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """For a wrap validator: ``model()`` instead of an error when ``value`` does not validate.

    Status is written by whoever ran last (an older eso, ESO itself, a human); a malformed one
    must not make the whole object unreadable for the controller that would repair it.
    """
    try:
        return handler(value)
    except ValidationError:
        return model()
