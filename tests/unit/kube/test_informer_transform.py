"""The informers' own transform: what is dropped from every cached object, and what is kept."""

from __future__ import annotations

import json
from typing import Any

from eso.kube.informer import LAST_APPLIED, default_transform


def applied(annotations: dict[str, str]) -> dict[str, Any]:
    """An object as ``kubectl apply`` leaves it: a JSON copy of itself in an annotation."""
    manifest = {"apiVersion": "v1", "kind": "Secret", "data": {"password": "c2VjcmV0"}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "s",
            "annotations": {**annotations, LAST_APPLIED: json.dumps(manifest)},
            "managedFields": [{"manager": "kubectl"}],
        },
    }


def test_last_applied_configuration_and_managed_fields_are_dropped() -> None:
    obj = default_transform(applied({"team": "a"}))
    assert obj["metadata"] == {"name": "s", "annotations": {"team": "a"}}


def test_annotations_left_empty_are_dropped_with_it() -> None:
    assert "annotations" not in default_transform(applied({}))["metadata"]


def test_objects_without_it_keep_their_annotations() -> None:
    obj = {"metadata": {"name": "s", "annotations": {"a": "1"}}}
    assert default_transform(obj) == {"metadata": {"name": "s", "annotations": {"a": "1"}}}
