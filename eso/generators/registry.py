"""The generators eso implements, by kind, and how a generator object becomes a spec.

``GeneratorRegistry.spec_of(kind, obj)`` parses a raw generator object of a namespaced kind,
or a ClusterGenerator (whose ``spec.kind`` names the kind and whose ``spec.generator`` holds
that kind's spec: ESO's "virtual" generator), into the spec model the kind's ``Generator``
takes. Kinds ESO has and eso does not are refused by name, with the list of those it has, so
the ExternalSecret's condition says what to change. One registry per process; ``close`` closes
the AWS clients still open.

The ECR and STS generators are built at their kind's first generation, not with the registry:
they import the AWS provider (botocore, aiobotocore: ~4 MB RSS), which an ``eso run`` whose
objects name no AWS store and no AWS generator never needs (tests/unit/test_import_floor.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError

from eso.api.generators import (
    IMPLEMENTED_KINDS,
    KIND_CLUSTER_GENERATOR,
    ClusterGenerator,
    ECRAuthorizationToken,
    Password,
    SSHKey,
    STSSessionToken,
    Uuid,
)
from eso.api.meta import EsoModel
from eso.clock import Clock
from eso.generators.base import Generated, Generator, GeneratorError, GeneratorRequest
from eso.generators.password import PasswordGenerator
from eso.generators.sshkey import SSHKeyGenerator
from eso.generators.uuid import UUIDGenerator
from eso.metrics import ProviderMetrics
from eso.settings import AWSSettings

if TYPE_CHECKING:
    from eso.generators.ecr import ECRGenerator
    from eso.generators.sts import STSGenerator

ERR_NOT_IMPLEMENTED: Final = (
    "generator kind {kind} is not implemented yet by eso (implemented: {implemented})"
)
ERR_CLUSTER_SPEC: Final = "invalid ClusterGenerator: when kind is {kind}, {field} must be set"
ERR_INVALID: Final = "invalid {kind} {name!r}: {fields}"

_MODELS: dict[str, type[EsoModel]] = {
    "ECRAuthorizationToken": ECRAuthorizationToken,
    "Password": Password,
    "SSHKey": SSHKey,
    "STSSessionToken": STSSessionToken,
    "UUID": Uuid,
}


def not_implemented(kind: str) -> GeneratorError:
    """The error for a kind ESO has and eso does not."""
    return GeneratorError(
        ERR_NOT_IMPLEMENTED.format(kind=kind, implemented=", ".join(IMPLEMENTED_KINDS))
    )


def _validate(model: type[EsoModel], value: Any, *, kind: str, name: str) -> EsoModel:
    try:
        return model.model_validate(value)
    except ValidationError as e:  # the CRD schema checks first; a field path is enough
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in e.errors()})
        raise GeneratorError(ERR_INVALID.format(kind=kind, name=name, fields=fields)) from None


def spec_of(kind: str, obj: Mapping[str, Any]) -> tuple[str, EsoModel]:
    """The generating kind and its parsed spec for a raw generator object of ``kind``."""
    name = str((obj.get("metadata") or {}).get("name", ""))
    if kind != KIND_CLUSTER_GENERATOR:
        if kind not in _MODELS:
            raise not_implemented(kind)
        parsed = _validate(_MODELS[kind], obj, kind=kind, name=name)
        spec: EsoModel = getattr(parsed, "spec")  # noqa: B009 - every generator model has one
        return kind, spec
    cluster = _validate(ClusterGenerator, obj, kind=kind, name=name)
    assert isinstance(cluster, ClusterGenerator)
    inner_kind = cluster.spec.kind
    if inner_kind not in _MODELS:
        raise not_implemented(inner_kind)
    inner = cluster.inner_spec()
    if inner is None:  # ESO names the Go field: ECRAuthorizationTokenSpec, PasswordSpec, ...
        raise GeneratorError(ERR_CLUSTER_SPEC.format(kind=inner_kind, field=f"{inner_kind}Spec"))
    return inner_kind, inner


class GeneratorRegistry:
    """The ``Generator`` of every implemented kind; the AWS ones built at their first use."""

    def __init__(
        self, *, settings: AWSSettings, metrics: ProviderMetrics, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._clock = clock
        self._ecr: ECRGenerator | None = None
        self._sts: STSGenerator | None = None
        self._generators: dict[str, Generator] = {
            "Password": PasswordGenerator(),
            "SSHKey": SSHKeyGenerator(),
            "UUID": UUIDGenerator(),
        }

    def knows(self, kind: str) -> bool:
        """Whether ``kind`` (or ClusterGenerator) can be read and served."""
        return kind == KIND_CLUSTER_GENERATOR or kind in _MODELS

    async def generate(self, request: GeneratorRequest) -> Generated:
        """New values from the generator of ``request.kind``; raises ``GeneratorError``."""
        generator = self._generator(request.kind)
        if generator is None:
            raise not_implemented(request.kind)
        return await generator.generate(request)

    def _generator(self, kind: str) -> Generator | None:
        if kind == "ECRAuthorizationToken":
            if self._ecr is None:
                from eso.generators.ecr import ECRGenerator

                self._ecr = ECRGenerator(
                    settings=self._settings, metrics=self._metrics, clock=self._clock
                )
            return self._ecr
        if kind == "STSSessionToken":
            if self._sts is None:
                from eso.generators.sts import STSGenerator

                self._sts = STSGenerator(
                    settings=self._settings, metrics=self._metrics, clock=self._clock
                )
            return self._sts
        return self._generators.get(kind)

    async def close(self) -> None:
        """Close the AWS generators' clients that were built; safe to call twice."""
        if self._ecr is not None:
            await self._ecr.close()
        if self._sts is not None:
            await self._sts.close()
