"""Patch and selector semantics of the local control plane, checked without a server.

The wire behaviour is covered against the cluster fixture; these tables pin down the
strategic-merge directives and selector grammar that are tedious to reach over HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest

from localkube.apiserver.patch import json_patch, merge_patch, strategic_merge_patch
from localkube.apiserver.selectors import parse_field_selector, parse_label_selector
from localkube.apiserver.status import ApiError

BASE: dict[str, Any] = {
    "metadata": {
        "finalizers": ["a"],
        "ownerReferences": [{"uid": "1", "name": "x"}, {"uid": "2", "name": "y"}],
    },
    "spec": {"keep": 1, "drop": 2, "list": [1, 2]},
}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        pytest.param({"metadata": {"finalizers": ["b"]}},
                     {"finalizers": ["a", "b"]}, id="finalizers-union"),
        pytest.param({"metadata": {"ownerReferences": [{"uid": "2", "name": "z"}]}},
                     {"ownerReferences": [{"uid": "1", "name": "x"}, {"uid": "2", "name": "z"}]},
                     id="merge-by-uid"),
        pytest.param({"metadata": {"ownerReferences": [{"uid": "1", "$patch": "delete"}]}},
                     {"ownerReferences": [{"uid": "2", "name": "y"}]}, id="delete-by-key"),
        pytest.param({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}},
                     {"finalizers": []}, id="delete-from-primitive-list"),
    ],
)  # fmt: skip
def test_strategic_merge_patch_merges_lists_by_key(
    patch: dict[str, Any], expected: dict[str, Any]
) -> None:
    out = strategic_merge_patch(BASE, patch)
    for key, value in expected.items():
        assert out["metadata"][key] == value


def test_strategic_merge_patch_replace_and_retain_keys() -> None:
    out = strategic_merge_patch(BASE, {"spec": {"$patch": "replace", "only": 1}})
    assert out["spec"] == {"only": 1}
    out = strategic_merge_patch(BASE, {"spec": {"$retainKeys": ["keep"], "keep": 3}})
    assert out["spec"] == {"keep": 3}


def test_merge_patch_replaces_lists_and_deletes_nulls() -> None:
    out = merge_patch(BASE, {"spec": {"drop": None, "list": [3]}})
    assert out["spec"] == {"keep": 1, "list": [3]}
    assert BASE["spec"]["drop"] == 2  # the input is never modified


def test_json_patch_move_copy_and_append() -> None:
    ops = [
        {"op": "move", "from": "/spec/drop", "path": "/spec/moved"},
        {"op": "copy", "from": "/spec/keep", "path": "/spec/copied"},
        {"op": "add", "path": "/spec/list/-", "value": 3},
    ]
    out = json_patch(BASE, ops)
    assert out["spec"] == {"keep": 1, "moved": 2, "copied": 1, "list": [1, 2, 3]}


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param([{"op": "remove", "path": "/spec/missing"}], id="remove-missing"),
        pytest.param([{"op": "replace", "path": "/nope/x", "value": 1}], id="replace-missing"),
        pytest.param([{"op": "test", "path": "/spec/keep", "value": 9}], id="test-fails"),
    ],
)
def test_json_patch_that_cannot_apply_is_unprocessable(ops: list[dict[str, Any]]) -> None:
    with pytest.raises(ApiError) as e:
        json_patch(BASE, ops)
    assert e.value.code == 422


@pytest.mark.parametrize("text", ["a in (b", "!a in (b)", "a=b c", "a=(b)"])
def test_malformed_label_selector_is_a_bad_request(text: str) -> None:
    with pytest.raises(ApiError) as e:
        parse_label_selector(text)
    assert e.value.code == 400


def test_numeric_label_comparisons() -> None:
    sel = parse_label_selector("replicas>2,size<10")
    assert sel is not None
    assert sel.matches({"metadata": {"labels": {"replicas": "3", "size": "9"}}})
    assert not sel.matches({"metadata": {"labels": {"replicas": "2", "size": "9"}}})


def test_field_selector_accepts_only_known_labels() -> None:
    assert parse_field_selector("type=Opaque", allowed=frozenset({"type"})) is not None
    with pytest.raises(ApiError):
        parse_field_selector("data.a=b", allowed=frozenset({"type"}))
