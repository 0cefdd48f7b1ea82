"""Store rules without I/O: credential references, ClusterSecretStore conditions, keys."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.models import ClusterSecretStoreCondition, LabelSelector, SecretStore
from eso.cli import build_parser, settings_from_args
from eso.controllers.indexes import es_store_index, es_target_index
from eso.controllers.stores import (
    credential_secret_keys,
    label_selector_matches,
    namespace_allowed,
    should_process,
    store_ref_key,
)
from eso.settings import ControllerSettings


def _store(kind: str, store_ns: str | None, **ref: str) -> dict[str, Any]:
    sel = {"name": "creds", "key": "k", **ref}
    meta = {"name": "s", **({"namespace": store_ns} if store_ns else {})}
    auth = {"secretRef": {"accessKeyIDSecretRef": sel, "secretAccessKeySecretRef": sel}}
    return {"kind": kind, "metadata": meta, "spec": {"provider": {"aws": {"auth": auth}}}}


def test_secret_store_credentials_default_to_its_namespace() -> None:
    assert credential_secret_keys(_store("SecretStore", "team")) == ["team/creds"]


def test_cluster_store_credentials_need_a_namespace() -> None:
    assert credential_secret_keys(_store("ClusterSecretStore", None)) == []
    got = credential_secret_keys(_store("ClusterSecretStore", None, namespace="infra"))
    assert got == ["infra/creds"]


def test_store_ref_keys_tell_kinds_apart() -> None:
    assert store_ref_key("SecretStore", "ns", "a") == "SecretStore/ns/a"
    assert store_ref_key("ClusterSecretStore", "ns", "a") == "ClusterSecretStore/a"


def test_external_secret_indexes() -> None:
    es: dict[str, Any] = {
        "metadata": {"name": "app", "namespace": "ns"},
        "spec": {"secretStoreRef": {"name": "global", "kind": "ClusterSecretStore"}},
    }
    assert es_target_index(es) == ["ns/app"]
    assert es_store_index(es) == ["ClusterSecretStore/global"]
    es["spec"]["target"] = {"name": "other"}
    es["spec"]["secretStoreRef"] = {"name": "local"}
    assert es_target_index(es) == ["ns/other"]
    assert es_store_index(es) == ["SecretStore/ns/local"]


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        pytest.param({}, {"a": "b"}, True, id="empty-matches-all"),
        pytest.param({"matchLabels": {"a": "b"}}, {"a": "b"}, True, id="labels"),
        pytest.param({"matchLabels": {"a": "b"}}, {"a": "c"}, False, id="labels-differ"),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b", "c"]}]},
            {"a": "c"}, True, id="in",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]},
            {}, True, id="not-in-absent",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False, id="exists"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]},
            {}, True, id="does-not-exist",
        ),
    ],
)  # fmt: skip
def test_label_selector(selector: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert label_selector_matches(LabelSelector.model_validate(selector), labels) is expected


def _conditions(*docs: dict[str, Any]) -> list[ClusterSecretStoreCondition]:
    return [ClusterSecretStoreCondition.model_validate(d) for d in docs]


def test_no_conditions_allow_every_namespace() -> None:
    assert namespace_allowed([], "anything", {})


@pytest.mark.parametrize(
    ("condition", "namespace", "labels", "expected"),
    [
        pytest.param({"namespaces": ["a", "b"]}, "b", {}, True, id="by-name"),
        pytest.param({"namespaces": ["a"]}, "b", {}, False, id="other-name"),
        pytest.param({"namespaceRegexes": ["^team-"]}, "team-x", {}, True, id="regex"),
        pytest.param({"namespaceRegexes": ["team"]}, "my-team-x", {}, True, id="unanchored"),
        pytest.param({"namespaceRegexes": ["("]}, "x", {}, False, id="bad-regex"),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"env": "prod"}}}, "x", {"env": "prod"}, True,
            id="selector",
        ),
    ],
)  # fmt: skip
def test_cluster_store_conditions(
    condition: dict[str, Any], namespace: str, labels: dict[str, str], expected: bool
) -> None:
    assert namespace_allowed(_conditions(condition), namespace, labels) is expected


@pytest.mark.parametrize(
    ("store_class", "ours", "expected"),
    [("", None, True), ("", "x", True), ("x", "x", True), ("x", None, False), ("x", "y", False)],
)
def test_controller_class(store_class: str, ours: str | None, expected: bool) -> None:
    store = SecretStore.model_validate({"spec": {"controller": store_class}})
    assert should_process(store, ours) is expected


@pytest.mark.parametrize(
    ("store_class", "expected"),
    [("", True), ("default", True), ("team-a", False)],
)
def test_default_controller_class_is_esos(store_class: str, expected: bool) -> None:
    """ESO's --controller-class defaults to "default": stores claiming it are ours too."""
    ours = ControllerSettings().controller_class
    assert ours == "default"
    assert (
        settings_from_args(build_parser().parse_args(["run"])).controller.controller_class
        == "default"
    )
    store = SecretStore.model_validate({"spec": {"controller": store_class}})
    assert should_process(store, ours) is expected
