"""Which parts of the ESO API eso models but does not implement yet, as data.

The issue's rule: a field eso does not implement must produce a clear status condition, never be
silently ignored. Each entry below is a field path as users write it (camelCase, ``[]`` for
"every item of this list"), optionally limited to the values that are unsupported. Implementing
a feature is deleting its line; nothing else in eso lists these fields.

A path counts as used when it differs from its default, so ``immutable: false`` or
``refreshPolicy: Periodic`` never trip it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eso.api.externalsecret import ExternalSecret
from eso.api.meta import EsoModel
from eso.api.pushsecret import PushSecret
from eso.api.secretstore import OTHER_PROVIDERS, ClusterSecretStore, SecretStore

__all__ = [
    "EXTERNAL_SECRET_UNIMPLEMENTED",
    "PUSH_SECRET_UNIMPLEMENTED",
    "STORE_UNIMPLEMENTED",
    "Feature",
    "unimplemented_features",
]


@dataclass(frozen=True, slots=True)
class Feature:
    """A field path (``spec.dataFrom[].find``) and, optionally, its unsupported values."""

    path: str
    values: tuple[str, ...] = ()


EXTERNAL_SECRET_UNIMPLEMENTED: tuple[Feature, ...] = (
    Feature("spec.syncWindows"),
    Feature("spec.target.creationPolicy", ("CreateOrMerge",)),
    Feature("spec.target.deletionPolicy", ("Merge",)),
    Feature("spec.target.manifest"),
    Feature("spec.data[].remoteRef.nullBytePolicy", ("Fail",)),
    Feature("spec.dataFrom[].find.nullBytePolicy", ("Fail",)),
    Feature("spec.dataFrom[].extract.nullBytePolicy", ("Fail",)),
)

# Every PushSecret field is implemented; the table stays for the next one.
PUSH_SECRET_UNIMPLEMENTED: tuple[Feature, ...] = ()

STORE_UNIMPLEMENTED: tuple[Feature, ...] = (
    Feature("spec.provider.aws.service", ("CertificateManager",)),
    *(Feature(f"spec.provider.{name}") for name in OTHER_PROVIDERS),
)


def unimplemented_features(
    obj: ExternalSecret | SecretStore | ClusterSecretStore | PushSecret,
) -> list[str]:
    """The used-but-unimplemented fields of ``obj``, as concrete paths in spec order.

    Items carry their index and value-limited features their value, e.g.
    ``["spec.dataFrom[0].find", "spec.refreshPolicy=OnChange"]``. Empty means eso can serve
    the object as written. Pure and cheap enough to call on every reconcile.
    """
    table = (
        EXTERNAL_SECRET_UNIMPLEMENTED
        if isinstance(obj, ExternalSecret)
        else PUSH_SECRET_UNIMPLEMENTED
        if isinstance(obj, PushSecret)
        else STORE_UNIMPLEMENTED
    )
    doc = {"spec": _non_default(obj.spec)}
    return [hit for feature in table for hit in _hits(doc, feature)]


def _non_default(model: EsoModel) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True)


def _hits(doc: dict[str, Any], feature: Feature) -> Iterator[str]:
    for path, value in _walk(doc, feature.path.split("."), ""):
        if not feature.values:
            yield path
        elif isinstance(value, str) and value in feature.values:
            yield f"{path}={value}"


def _walk(node: Any, steps: list[str], prefix: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield prefix, node
        return
    step, rest = steps[0], steps[1:]
    name = step.removesuffix("[]")
    if not isinstance(node, dict) or node.get(name) in (None, {}, [], "", False):
        return
    here = f"{prefix}.{name}" if prefix else name
    if step.endswith("[]"):
        for i, item in enumerate(node[name]):
            yield from _walk(item, rest, f"{here}[{i}]")
    else:
        yield from _walk(node[name], rest, here)
