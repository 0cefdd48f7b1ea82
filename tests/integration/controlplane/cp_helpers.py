"""Builders shared by the control plane suite: a small test CRD and its objects.

The CRD's group is fixed so that on a real cluster it is installed once and reused; its
schema exercises what the suite checks (types, enum, min/max, pattern, required, defaults,
pruning, a preserved subtree and the status subresource).
"""

from __future__ import annotations

import copy
from typing import Any

GROUP = "cptest.eso.example.com"
API = f"{GROUP}/v1"

WIDGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "code": {"type": "string", "pattern": "^[a-z]+$"},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        },
        "status": {
            "type": "object",
            "properties": {"phase": {"type": "string"}, "observed": {"type": "integer"}},
        },
    },
}


def widget_crd(*, group: str = GROUP, versions: tuple[str, ...] = ("v1",)) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "shortNames": ["wdg"],
                "categories": ["eso-test"],
            },
            "versions": [
                {
                    "name": v,
                    "served": True,
                    "storage": i == 0,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": copy.deepcopy(WIDGET_SCHEMA)},
                }
                for i, v in enumerate(versions)
            ],
        },
    }


def widget(name: str, *, size: int = 3, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"size": size, **spec},
    }
