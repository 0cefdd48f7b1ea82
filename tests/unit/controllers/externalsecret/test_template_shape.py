"""How a template's ``Shape`` lands on the Secret: type, metadata, and removal of what a
previous render wrote (eso's record annotation standing in for ESO's managedFields)."""

from __future__ import annotations

import dataclasses
from typing import Any

from eso.api import conditions as c
from eso.api.hashing import data_hash
from eso.controllers.externalsecret.desired import (
    ANNOTATION_TEMPLATE_KEYS,
    Shape,
    Target,
    desired_secret,
    metadata_is_current,
    needs_write,
    recorded_sources,
)

TARGET = Target(es_name="app", es_uid="uid-1", namespace="ns", secret_name="app")
SHAPE = Shape(
    templated=True,
    type="kubernetes.io/tls",
    labels={"team": "a"},
    annotations={"note": "n"},
    finalizers=("example.com/f",),
    data_keys=("tls.crt",),
    sources={"ConfigMap/tpl": "7"},
)


def _with(shape: Shape, policy: str = "Owner") -> Target:
    return dataclasses.replace(TARGET, shape=shape, creation_policy=policy)  # type: ignore[arg-type]


def _written(
    shape: Shape, data: dict[str, bytes], existing: Any = None, policy: str = "Owner"
) -> dict[str, Any]:
    return desired_secret(_with(shape, policy), data=data, existing=existing)


def test_shape_sets_type_metadata_finalizers_and_record() -> None:
    secret = _written(SHAPE, {"tls.crt": b"c"})
    meta = secret["metadata"]
    assert secret["type"] == "kubernetes.io/tls"
    assert meta["labels"]["team"] == "a"
    assert meta["annotations"]["note"] == "n"
    assert meta["finalizers"] == ["example.com/f"]
    assert recorded_sources(meta) == {"ConfigMap/tpl": "7"}
    assert metadata_is_current(meta, _with(SHAPE), want_hash=data_hash({"tls.crt": b"c"}))


def test_a_render_no_longer_producing_a_label_removes_it_and_keeps_others() -> None:
    first = _written(SHAPE, {"tls.crt": b"c"})
    first["metadata"]["labels"]["someone-else"] = "x"
    later = dataclasses.replace(SHAPE, labels={}, annotations={})
    assert not metadata_is_current(
        first["metadata"], _with(later), want_hash=data_hash({"tls.crt": b"c"})
    )
    second = _written(later, {"tls.crt": b"c"}, existing=first)
    assert "team" not in second["metadata"]["labels"]
    assert "note" not in second["metadata"]["annotations"]
    assert second["metadata"]["labels"]["someone-else"] == "x"
    assert needs_write(first, second)


def test_merge_policy_drops_keys_a_previous_render_wrote_but_keeps_foreign_keys() -> None:
    existing = _written(SHAPE, {"tls.crt": b"c"}, policy="Owner")
    existing["data"]["foreign"] = "Zg=="
    later = dataclasses.replace(SHAPE, data_keys=("other",))
    secret = _written(later, {"other": b"o"}, existing=existing, policy="Merge")
    assert set(secret["data"]) == {"foreign", "other"}


def test_removing_the_template_removes_its_metadata_and_the_record() -> None:
    first = _written(SHAPE, {"tls.crt": b"c"})
    second = _written(Shape(), {"k": b"v"}, existing=first)
    assert ANNOTATION_TEMPLATE_KEYS not in second["metadata"]["annotations"]
    assert "team" not in second["metadata"]["labels"]
    assert second["metadata"]["annotations"][c.ANNOTATION_DATA_HASH] == data_hash({"k": b"v"})


def test_no_template_writes_no_record() -> None:
    secret = _written(Shape(), {"k": b"v"})
    assert ANNOTATION_TEMPLATE_KEYS not in secret["metadata"]["annotations"]
    assert secret["type"] == "Opaque"
    assert recorded_sources(secret["metadata"]) is None


def test_a_changed_source_version_makes_metadata_stale() -> None:
    meta = _written(SHAPE, {"tls.crt": b"c"})["metadata"]
    moved = dataclasses.replace(SHAPE, sources={"ConfigMap/tpl": "8"})
    assert not metadata_is_current(meta, _with(moved), want_hash=data_hash({"tls.crt": b"c"}))


def test_keys_esos_field_manager_owns_count_as_previous_render() -> None:
    """A Secret ESO templated (no record, but managedFields) loses keys the template dropped."""
    existing = _written(Shape(), {"k": b"v"})
    existing["metadata"]["labels"]["esos-old"] = "1"
    existing["metadata"]["labels"]["someone-else"] = "2"
    existing["metadata"]["managedFields"] = [
        {
            "manager": "externalsecrets.external-secrets.io/app",
            "operation": "Update",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:esos-old": {}}}},
        },
        {"manager": "kubectl", "fieldsV1": {"f:metadata": {"f:labels": {"f:someone-else": {}}}}},
    ]
    secret = _written(SHAPE, {"tls.crt": b"c"}, existing=existing)
    labels = secret["metadata"]["labels"]
    assert "esos-old" not in labels
    assert labels["someone-else"] == "2"
    assert "managedFields" not in secret["metadata"]
