"""Namespace selection: ESO's GetTargetNamespaces and Kubernetes' label selector rules."""

from __future__ import annotations

from typing import Any

import pytest

from eso.api.clusterexternalsecret import ClusterExternalSecretSpec
from eso.controllers.clusterexternalsecret.errors import SelectorError
from eso.controllers.clusterexternalsecret.selection import (
    compile_raw_selection,
    compile_selection,
    selected_namespaces,
)

NAMESPACES = [
    {"metadata": {"name": "a", "labels": {"team": "x", "env": "prod"}}},
    {"metadata": {"name": "b", "labels": {"team": "y", "env": "dev"}}},
    {"metadata": {"name": "c", "labels": {"env": "prod"}}},
    {"metadata": {"name": "d"}},
    {
        "metadata": {
            "name": "e",
            "labels": {"team": "x"},
            "deletionTimestamp": "2026-01-01T00:00:00Z",
        }
    },
]


def spec(**fields: Any) -> ClusterExternalSecretSpec:
    return ClusterExternalSecretSpec.model_validate(fields)


def pick(**fields: Any) -> list[str]:
    return selected_namespaces(compile_selection(spec(**fields)), NAMESPACES)


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    found: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        found["values"] = list(values)
    return {"matchExpressions": [found]}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, [], id="nothing-selects-nothing"),
        pytest.param({"namespaceSelectors": [{}]}, ["a", "b", "c", "d"], id="empty-selects-all"),
        pytest.param({"namespaceSelectors": [{"matchLabels": {"team": "x"}}]}, ["a"], id="labels"),
        pytest.param(
            {
                "namespaceSelectors": [
                    {"matchLabels": {"team": "x"}},
                    {"matchLabels": {"env": "dev"}},
                ]
            },
            ["a", "b"],
            id="selectors-are-ored",
        ),
        pytest.param(
            {"namespaceSelector": {"matchLabels": {"env": "prod"}}}, ["a", "c"], id="deprecated-one"
        ),
        pytest.param(
            {
                "namespaceSelector": {"matchLabels": {"env": "prod"}},
                "namespaceSelectors": [{"matchLabels": {"team": "y"}}],
            },
            ["a", "b", "c"],
            id="old-and-new-ored",
        ),
        pytest.param({"namespaces": ["d", "zz"]}, ["d"], id="names-only-existing"),
        pytest.param(
            {"namespaces": ["d"], "namespaceSelectors": [{"matchLabels": {"team": "y"}}]},
            ["b", "d"],
            id="names-ored-with-selectors",
        ),
        pytest.param({"namespaces": ["e"]}, [], id="terminating-never"),
        pytest.param(
            {"namespaceSelectors": [{"matchLabels": {"env": "prod"}, **expr("team", "Exists")}]},
            ["a"],
            id="labels-and-expressions-anded",
        ),
    ],
)
def test_selection_combines_selectors_and_names_like_eso(
    fields: dict[str, Any], expected: list[str]
) -> None:
    assert pick(**fields) == expected


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(expr("team", "In", "x", "y"), ["a", "b"], id="in"),
        pytest.param(expr("team", "NotIn", "x"), ["b", "c", "d"], id="notin-includes-absent"),
        pytest.param(expr("team", "Exists"), ["a", "b"], id="exists"),
        pytest.param(expr("team", "DoesNotExist"), ["c", "d"], id="does-not-exist"),
    ],
)
def test_label_selector_operators(selector: dict[str, Any], expected: list[str]) -> None:
    assert pick(namespaceSelectors=[selector]) == expected


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        pytest.param(
            expr("team", "Equals", "x"), '"Equals" is not a valid label selector operator'
        ),
        pytest.param(expr("team", "In"), "values set can't be empty", id="in-without-values"),
        pytest.param(
            expr("team", "Exists", "x"), "values set must be empty", id="exists-with-values"
        ),
        pytest.param({"matchLabels": {"bad key": "x"}}, "key: Invalid value", id="bad-key"),
        pytest.param({"matchLabels": {"k": "bad value!"}}, "Invalid value", id="bad-value"),
    ],
)
def test_invalid_selector_is_refused_with_kubernetes_message(
    selector: dict[str, Any], message: str
) -> None:
    with pytest.raises(SelectorError) as failed:
        compile_selection(spec(namespaceSelectors=[{"matchLabels": {"ok": "1"}}, selector]))
    assert str(failed.value).startswith("failed to convert label selector {")
    assert message in str(failed.value)


def test_qualified_label_keys_are_valid() -> None:
    selection = compile_selection(
        spec(namespaceSelectors=[{"matchLabels": {"kubernetes.io/metadata.name": "d"}}])
    )
    assert selection.selects("d", {"kubernetes.io/metadata.name": "d"})


def test_the_raw_form_used_by_event_handlers_compiles_the_same_selection() -> None:
    fields = {
        "namespaces": ["d"],
        "namespaceSelector": {"matchLabels": {"env": "prod"}},
        "namespaceSelectors": [expr("team", "In", "x", "y")],
    }
    assert compile_raw_selection(fields) == compile_selection(spec(**fields))
