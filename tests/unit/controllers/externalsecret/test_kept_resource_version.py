"""ExternalSecrets lose kubectl's last-applied copy in the cache but keep ESO's version hash."""

from __future__ import annotations

import copy
from typing import Any

from eso.controllers.externalsecret.versions import (
    KEPT_RESOURCE_VERSION,
    keep_synced_resource_version,
    synced_resource_version,
)
from eso.kube.informer import LAST_APPLIED, default_transform


def es(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "app",
            "generation": 3,
            "labels": {"team": "a"},
            "annotations": annotations,
        },
        "spec": {},
    }


def cached(obj: dict[str, Any]) -> dict[str, Any]:
    """The ExternalSecret informer's pipeline: its transform, then the informer's own."""
    return default_transform(keep_synced_resource_version(obj))


def test_the_cached_version_is_esos_hash_over_all_annotations() -> None:
    """ESO hashes last-applied too; matching it avoids a resync per object on migration."""
    obj = es({"a": "1", LAST_APPLIED: '{"kind":"ExternalSecret"}'})
    full = synced_resource_version(copy.deepcopy(obj)["metadata"])
    slim = cached(obj)
    assert LAST_APPLIED not in slim["metadata"]["annotations"]
    assert synced_resource_version(slim["metadata"]) == full
    assert full != synced_resource_version(es({"a": "1"})["metadata"])


def test_objects_without_last_applied_get_no_extra_key() -> None:
    obj = cached(es({"a": "1"}))
    assert KEPT_RESOURCE_VERSION not in obj["metadata"]
    assert synced_resource_version(obj["metadata"]) == synced_resource_version(
        es({"a": "1"})["metadata"]
    )
