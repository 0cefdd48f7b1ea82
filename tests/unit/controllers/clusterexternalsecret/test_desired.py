"""The child ExternalSecret a CES wants, and when a cached child already is it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from eso.api.clusterexternalsecret import ClusterExternalSecret
from eso.controllers.clusterexternalsecret.desired import (
    ces_owner_index,
    child_is_current,
    desired_child,
    owning_ces,
    updated_child,
)

CES: dict[str, Any] = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ClusterExternalSecret",
    "metadata": {"name": "fleet", "uid": "u-1", "annotations": {"force-sync": "no"}},
    "spec": {
        "externalSecretName": "app-secret",
        "externalSecretMetadata": {"labels": {"team": "x"}, "annotations": {"note": "n"}},
        "namespaceSelectors": [{"matchLabels": {"team": "x"}}],
        "externalSecretSpec": {
            "secretStoreRef": {"name": "aws", "kind": "ClusterSecretStore"},
            "refreshInterval": "1h",
            "target": {"name": "app", "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [{"secretKey": "k", "remoteRef": {"key": "remote"}}],
        },
    },
}


def child(raw: dict[str, Any] = CES, namespace: str = "ns1") -> dict[str, Any]:
    return desired_child(ClusterExternalSecret.model_validate(raw), raw, namespace=namespace)


def test_child_carries_name_metadata_spec_and_controller_reference() -> None:
    es = child()
    meta = es["metadata"]
    assert (es["kind"], meta["name"], meta["namespace"]) == ("ExternalSecret", "app-secret", "ns1")
    assert meta["labels"] == {"team": "x"}
    assert meta["annotations"] == {"note": "n"}
    assert es["spec"] == CES["spec"]["externalSecretSpec"]
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "external-secrets.io/v1",
            "kind": "ClusterExternalSecret",
            "name": "fleet",
            "uid": "u-1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert owning_ces(es) == "fleet" and ces_owner_index(es) == ["fleet"]


def test_name_defaults_to_the_ces_name() -> None:
    raw = copy.deepcopy(CES)
    del raw["spec"]["externalSecretName"]
    assert child(raw)["metadata"]["name"] == "fleet"


def test_force_sync_annotation_is_mirrored_from_the_ces() -> None:
    raw = copy.deepcopy(CES)
    raw["metadata"]["annotations"]["external-secrets.io/force-sync"] = "123"
    assert child(raw)["metadata"]["annotations"]["external-secrets.io/force-sync"] == "123"


def cached(es: dict[str, Any]) -> dict[str, Any]:
    """The child as the informer holds it: server fields and defaults added."""
    found = copy.deepcopy(es)
    found["metadata"].update(uid="c-1", resourceVersion="7", generation=1)
    found["spec"]["refreshPolicy"] = "Periodic"
    found["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    return found


def test_cached_child_with_server_defaults_is_current() -> None:
    assert child_is_current(cached(child()), child())


def tweak_spec(es: dict[str, Any]) -> None:
    es["spec"]["refreshInterval"] = "5m"


def tweak_labels(es: dict[str, Any]) -> None:
    es["metadata"]["labels"] = {"team": "y"}


def tweak_annotations(es: dict[str, Any]) -> None:
    es["metadata"]["annotations"]["extra"] = "1"


def tweak_owner(es: dict[str, Any]) -> None:
    es["metadata"]["ownerReferences"][0]["uid"] = "old-uid"


@pytest.mark.parametrize("tweak", [tweak_spec, tweak_labels, tweak_annotations, tweak_owner])
def test_any_difference_makes_the_child_outdated(tweak: Any) -> None:
    existing = cached(child())
    tweak(existing)
    assert not child_is_current(existing, child())


def test_update_replaces_metadata_and_spec_keeps_other_owners_and_finalizers() -> None:
    existing = cached(child())
    tweak_spec(existing)
    tweak_labels(existing)
    other = {"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "cm"}
    existing["metadata"]["ownerReferences"].insert(0, other)
    existing["metadata"]["finalizers"] = ["keep/me"]
    existing["metadata"]["eso:syncedResourceVersion"] = "1-abc"
    body = updated_child(existing, child())
    meta = body["metadata"]
    assert meta["resourceVersion"] == "7" and meta["finalizers"] == ["keep/me"]
    assert meta["ownerReferences"][0] == other
    assert meta["labels"] == {"team": "x"}
    assert "eso:syncedResourceVersion" not in meta and "status" not in body
    assert child_is_current(body, child())


def test_children_of_other_controllers_are_not_owned() -> None:
    es = child()
    es["metadata"]["ownerReferences"][0]["kind"] = "Deployment"
    assert owning_ces(es) is None and ces_owner_index(es) == []
    es["metadata"]["ownerReferences"][0].update(kind="ClusterExternalSecret", controller=False)
    assert owning_ces(es) is None
    assert owning_ces({"metadata": {"name": "x"}}) is None
