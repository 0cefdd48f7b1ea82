"""The target Secret an ExternalSecret wants: hashes, data, labels, ownership, merge rules."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from eso.api import conditions as c
from eso.api.hashing import data_hash, owner_label_value
from eso.controllers.externalsecret.desired import (
    OwnershipError,
    Target,
    data_matches_hash,
    desired_secret,
    metadata_is_current,
    needs_write,
)
from eso.controllers.externalsecret.versions import meta_hash, synced_resource_version
from eso.kube.objects import decode_data, encode_data

UID = "0b9c6a34-1111-4d4b-8f4e-000000000001"
TARGET = Target(es_name="app", es_uid=UID, namespace="ns", secret_name="app-secret")
DATA = {"user": b"alice", "password": b"s3cr3t"}


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _existing(**overrides: Any) -> dict[str, Any]:
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "app-secret",
            "namespace": "ns",
            "resourceVersion": "7",
            "uid": "secret-uid",
            "labels": {"team": "a"},
            "annotations": {"note": "kept"},
        },
        "type": "Opaque",
        "data": {"other": _b64(b"x")},
    }
    secret.update(overrides)
    return secret


def test_meta_hash_is_esos_hash_of_go_struct_text() -> None:
    """``HashMeta`` hashes ``{annotations:map[...] labels:map[...]}`` with sorted keys."""
    from hashlib import sha3_224

    text = "{annotations:map[a:1 b:2] labels:map[x:y]}"
    assert meta_hash(labels={"x": "y"}, annotations={"b": "2", "a": "1"}) == (
        sha3_224(text.encode()).hexdigest()
    )


def test_meta_hash_treats_missing_maps_as_empty() -> None:
    assert meta_hash(labels=None, annotations=None) == meta_hash(labels={}, annotations={})


def test_synced_resource_version_changes_with_generation_and_labels() -> None:
    base = {"generation": 3, "labels": {"a": "b"}}
    version = synced_resource_version(base)
    assert version.startswith("3-")
    assert synced_resource_version({**base, "generation": 4}) != version
    assert synced_resource_version({**base, "labels": {"a": "c"}}) != version
    assert synced_resource_version({**base, "resourceVersion": "99"}) == version


def test_encode_and_decode_round_trip_binary_values() -> None:
    data = {"bin": bytes(range(256)), "empty": b""}
    assert decode_data(encode_data(data)) == data


def test_new_owner_secret_has_data_labels_hash_and_controller_reference() -> None:
    secret = desired_secret(TARGET, data=DATA, existing=None)
    meta = secret["metadata"]
    assert (meta["name"], meta["namespace"], secret["type"]) == ("app-secret", "ns", "Opaque")
    assert decode_data(secret["data"]) == DATA
    assert meta["labels"][c.LABEL_MANAGED] == "true"
    assert meta["labels"][c.LABEL_OWNER] == owner_label_value("ns", "app")
    assert meta["annotations"][c.ANNOTATION_DATA_HASH] == data_hash(DATA)
    (ref,) = meta["ownerReferences"]
    assert ref == {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "name": "app",
        "uid": UID,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_orphan_secret_has_no_owner_reference_or_owner_label() -> None:
    target = Target(**{**TARGET.__dict__, "creation_policy": "Orphan"})
    secret = desired_secret(target, data=DATA, existing=None)
    assert "ownerReferences" not in secret["metadata"]
    assert c.LABEL_OWNER not in secret["metadata"]["labels"]


def test_owner_update_replaces_data_and_keeps_foreign_metadata() -> None:
    secret = desired_secret(TARGET, data=DATA, existing=_existing())
    assert decode_data(secret["data"]) == DATA
    assert secret["metadata"]["labels"]["team"] == "a"
    assert secret["metadata"]["annotations"]["note"] == "kept"
    assert secret["metadata"]["resourceVersion"] == "7"


def test_merge_lays_values_over_existing_keys_and_hashes_the_result() -> None:
    target = Target(**{**TARGET.__dict__, "creation_policy": "Merge"})
    secret = desired_secret(target, data=DATA, existing=_existing())
    merged = {"other": b"x", **DATA}
    assert decode_data(secret["data"]) == merged
    assert secret["metadata"]["annotations"][c.ANNOTATION_DATA_HASH] == data_hash(merged)
    assert "ownerReferences" not in secret["metadata"]


def test_existing_reference_of_another_owner_kind_is_kept_for_orphan() -> None:
    foreign = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "u"}
    target = Target(**{**TARGET.__dict__, "creation_policy": "Orphan"})
    secret = desired_secret(
        target,
        data=DATA,
        existing=_existing(metadata={"name": "app-secret", "ownerReferences": [foreign]}),
    )
    assert secret["metadata"]["ownerReferences"] == [foreign]


def test_secret_controlled_by_another_external_secret_is_refused() -> None:
    other = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "name": "x",
        "uid": "other",
        "controller": True,
    }
    existing = _existing()
    existing["metadata"]["ownerReferences"] = [other]
    with pytest.raises(OwnershipError) as err:
        desired_secret(TARGET, data=DATA, existing=existing)
    assert err.value.condition_message == c.MSG_ERROR_IS_OWNED
    assert "s3cr3t" not in str(err.value)


def test_owner_cannot_take_a_secret_controlled_by_something_else() -> None:
    other = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "d",
        "uid": "u",
        "controller": True,
    }
    existing = _existing()
    existing["metadata"]["ownerReferences"] = [other]
    with pytest.raises(OwnershipError) as err:
        desired_secret(TARGET, data=DATA, existing=existing)
    assert err.value.condition_message == c.MSG_ERROR_BECOME_OWNER


def test_switching_from_owner_to_orphan_drops_our_controller_reference() -> None:
    owned = desired_secret(TARGET, data=DATA, existing=None)
    target = Target(**{**TARGET.__dict__, "creation_policy": "Orphan"})
    secret = desired_secret(target, data=DATA, existing=owned)
    assert "ownerReferences" not in secret["metadata"]
    assert c.LABEL_OWNER not in secret["metadata"]["labels"]


def test_no_write_needed_when_the_desired_secret_is_already_there() -> None:
    current = desired_secret(TARGET, data=DATA, existing=None)
    again = desired_secret(TARGET, data=DATA, existing=current)
    assert not needs_write(current, again)
    changed = desired_secret(TARGET, data={**DATA, "user": b"bob"}, existing=current)
    assert needs_write(current, changed)


def test_metadata_alone_tells_whether_a_cached_secret_is_current() -> None:
    meta = desired_secret(TARGET, data=DATA, existing=None)["metadata"]
    meta["ownerReferences"][0]["uid"] = UID
    assert metadata_is_current(meta, TARGET, want_hash=data_hash(DATA))
    assert not metadata_is_current(meta, TARGET, want_hash=data_hash({"user": b"bob"}))
    unlabelled = {**meta, "labels": {}}
    assert not metadata_is_current(unlabelled, TARGET, want_hash=data_hash(DATA))


def test_data_matching_its_hash_detects_hand_edits() -> None:
    secret = desired_secret(TARGET, data=DATA, existing=None)
    assert data_matches_hash(secret)
    secret["data"]["user"] = _b64(b"mallory")
    assert not data_matches_hash(secret)
