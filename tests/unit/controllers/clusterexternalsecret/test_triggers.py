"""Which CESs a namespace event concerns."""

from __future__ import annotations

from typing import Any

from eso.controllers.clusterexternalsecret.triggers import concerned, meta_moved, namespace_moved


def ces(name: str, **spec: Any) -> dict[str, Any]:
    status = spec.pop("status", {})
    return {
        "metadata": {"name": name},
        "spec": {"externalSecretSpec": {}, **spec},
        "status": status,
    }


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}}


CESS = [
    ces("by-label", namespaceSelectors=[{"matchLabels": {"team": "x"}}]),
    ces("by-name", namespaces=["n1"]),
    ces("provisioned", status={"provisionedNamespaces": ["n2"]}),
    ces("invalid", namespaceSelectors=[{"matchExpressions": [{"key": "a", "operator": "Bad"}]}]),
]


def test_a_namespace_concerns_the_cess_selecting_or_holding_it() -> None:
    assert concerned(CESS, ns("n9", team="x")) == ["by-label"]
    assert concerned(CESS, ns("n1")) == ["by-name"]
    assert concerned(CESS, ns("n2")) == ["provisioned"]
    assert concerned(CESS, ns("n9")) == []


def test_relabelling_concerns_old_and_new_selectors() -> None:
    assert concerned(CESS, ns("n9", team="x"), ns("n9", team="y")) == ["by-label"]


def test_only_label_and_deletion_changes_of_a_namespace_count() -> None:
    old = ns("n", team="x")
    assert not namespace_moved(old, {"metadata": {**old["metadata"], "resourceVersion": "2"}})
    assert namespace_moved(old, ns("n", team="y"))
    assert namespace_moved(old, {"metadata": {**old["metadata"], "deletionTimestamp": "t"}})


def test_status_writes_do_not_count_as_changes() -> None:
    old = {"metadata": {"generation": 1}, "status": {}}
    assert not meta_moved(old, {"metadata": {"generation": 1}, "status": {"x": 1}})
    assert meta_moved(old, {"metadata": {"generation": 2}})
