"""PushSecrets are indexed by the stores they name, so a store's first Ready write wakes the
PushSecrets waiting for it (``routing``); label-selected stores are not indexed."""

from __future__ import annotations

from eso.controllers.pushsecret.stores import ps_store_index


def ps(*refs: dict[str, object]) -> dict[str, object]:
    return {"metadata": {"name": "p", "namespace": "team"}, "spec": {"secretStoreRefs": list(refs)}}


def test_named_stores_of_both_kinds_are_indexed_once_each() -> None:
    obj = ps(
        {"name": "aws"},
        {"name": "aws", "kind": "SecretStore"},
        {"name": "global", "kind": "ClusterSecretStore"},
    )
    assert ps_store_index(obj) == ["ClusterSecretStore/global", "SecretStore/team/aws"]


def test_label_selected_and_malformed_refs_are_not_indexed() -> None:
    obj = ps({"labelSelector": {"matchLabels": {"a": "b"}}, "kind": "SecretStore"}, "junk")  # type: ignore[arg-type]
    assert ps_store_index(obj) == []
    assert ps_store_index({"metadata": {}, "spec": {}}) == []
