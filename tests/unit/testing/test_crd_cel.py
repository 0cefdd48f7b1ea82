"""x-kubernetes-validations (CEL) rules of custom resources, as kube-apiserver evaluates them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from localkube.apiserver.cel import compile_errors
from localkube.apiserver.schema import validate

Spec = dict[str, Any]

DELETE_NEEDS_OWNER = (
    "deletionPolicy=Delete must not be used when the controller doesn't own the secret. "
    "Please set creationPolicy=Owner"
)
MERGE_NEEDS_SECRET = (
    "deletionPolicy=Merge must not be used with creationPolicy=None. "
    "There is no Secret to merge with"
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "x-kubernetes-validations": [
                {
                    "rule": "has(self.data) || has(self.dataFrom)",
                    "message": "either data or dataFrom should be specified",
                },
                {
                    "rule": "!(self.target.creationPolicy in ['Merge', 'None'] "
                    "&& self.target.deletionPolicy == 'Delete')",
                    "message": DELETE_NEEDS_OWNER,
                },
                {
                    "rule": "!(self.target.creationPolicy == 'None' "
                    "&& self.target.deletionPolicy == 'Merge')",
                    "message": MERGE_NEEDS_SECRET,
                },
            ],
            "properties": {
                "refreshInterval": {"type": "string"},
                "target": {
                    "type": "object",
                    "properties": {
                        "name": {
                            "type": "string",
                            "x-kubernetes-validations": [
                                {"rule": "self == oldSelf", "message": "target.name is immutable"}
                            ],
                        },
                        "creationPolicy": {"type": "string"},
                        "deletionPolicy": {"type": "string"},
                    },
                },
                "data": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["secretKey"],
                    "items": {
                        "type": "object",
                        "properties": {
                            "secretKey": {"type": "string"},
                            "remoteRef": {
                                "type": "object",
                                "properties": {"key": {"type": "string"}},
                            },
                        },
                        "x-kubernetes-validations": [
                            {
                                "rule": "self.remoteRef.key.startsWith('/') == false",
                                "messageExpression": "'remoteRef.key ' + self.remoteRef.key "
                                "+ ' must not start with /'",
                            },
                            {
                                "rule": "!has(oldSelf.remoteRef) "
                                "|| self.remoteRef == oldSelf.remoteRef",
                                "message": "remoteRef is immutable",
                            },
                        ],
                    },
                },
                "dataFrom": {
                    "type": "array",
                    "x-kubernetes-validations": [
                        {
                            "rule": "self.size() <= 2",
                            "reason": "FieldValueForbidden",
                            "message": "too many sources",
                        }
                    ],
                    "items": {
                        "type": "object",
                        "x-kubernetes-validations": [
                            {
                                "rule": "[has(self.extract), has(self.find)]"
                                ".filter(x, x).size() == 1",
                                "message": "exactly one of extract or find must be set",
                            }
                        ],
                        "properties": {
                            "extract": {
                                "type": "object",
                                "properties": {"key": {"type": "string"}},
                            },
                            "find": {
                                "type": "object",
                                "properties": {
                                    "tags": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    }
                                },
                            },
                        },
                    },
                },
                "replicas": {
                    "type": "integer",
                    "x-kubernetes-validations": [
                        {"rule": "self % 2 == 1"},
                        {
                            "rule": "!oldSelf.hasValue() || self >= oldSelf.value()",
                            "optionalOldSelf": True,
                            "message": "replicas may not shrink",
                        },
                    ],
                },
                "namespace": {
                    "type": "string",
                    "x-kubernetes-validations": [
                        {
                            "rule": "self.matches('^[a-z]+$') && !self.endsWith('-') "
                            "&& self.contains('a')"
                        }
                    ],
                },
                "selector": {
                    "type": "object",
                    "x-kubernetes-validations": [
                        {
                            "rule": "has(self.__namespace__) != has(self.name)",
                            "fieldPath": ".name",
                            "reason": "FieldValueRequired",
                            "message": "set exactly one of namespace or name",
                        }
                    ],
                    "properties": {"namespace": {"type": "string"}, "name": {"type": "string"}},
                },
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "x-kubernetes-validations": [
                        {
                            "rule": "self.all(k, k.size() < 10 && self[k] != '')",
                            "message": "bad label",
                        },
                        {"rule": "!('forbidden' in self)", "reason": "FieldValueDuplicate"},
                    ],
                },
            },
        },
    },
}

VALID: dict[str, Any] = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ExternalSecret",
    "metadata": {"name": "allfunds-secret", "namespace": "allfunds"},
    "spec": {
        "refreshInterval": "1m",
        "target": {
            "name": "allfunds-secret",
            "creationPolicy": "Owner",
            "deletionPolicy": "Retain",
        },
        "data": [{"secretKey": "password", "remoteRef": {"key": "app-secret"}}],
    },
}


def _errors(tweak: Callable[[Spec], object], *, old: dict[str, Any] | None = None) -> list[str]:
    obj = copy.deepcopy(VALID)
    tweak(obj["spec"])
    return [e.detail() for e in validate(obj, SCHEMA, old=old)]


def _with(**fields: Any) -> dict[str, Any]:
    obj = copy.deepcopy(VALID)
    obj["spec"].update(fields)
    return obj


def test_the_valid_object_passes_every_rule() -> None:
    assert _errors(lambda s: None) == []


def test_the_schema_compiles() -> None:
    assert compile_errors(SCHEMA) == []


@pytest.mark.parametrize(
    ("tweak", "expected"),
    [
        pytest.param(
            lambda s: s.pop("data"),
            ["spec: Invalid value: either data or dataFrom should be specified"],
            id="data-or-dataFrom",
        ),
        pytest.param(
            lambda s: s["target"].update(creationPolicy="Merge", deletionPolicy="Delete"),
            [f"spec: Invalid value: {DELETE_NEEDS_OWNER}"],
            id="merge-with-delete",
        ),
        pytest.param(
            lambda s: s["target"].update(creationPolicy="None", deletionPolicy="Merge"),
            [f"spec: Invalid value: {MERGE_NEEDS_SECRET}"],
            id="none-with-merge",
        ),
        pytest.param(
            lambda s: s.update(dataFrom=[{"extract": {"key": "a"}, "find": {"tags": {"a": "b"}}}]),
            ["spec.dataFrom[0]: Invalid value: exactly one of extract or find must be set"],
            id="dataFrom-sources-exclusive",
        ),
        pytest.param(
            lambda s: s.update(dataFrom=[{"extract": {"key": k}} for k in "abc"]),
            ["spec.dataFrom: Forbidden: too many sources"],
            id="reason-forbidden",
        ),
        pytest.param(
            lambda s: s["data"][0]["remoteRef"].update(key="/app"),
            ["spec.data[0]: Invalid value: remoteRef.key /app must not start with /"],
            id="message-expression",
        ),
        pytest.param(
            lambda s: s.pop("target"),
            [
                "spec: Invalid value: no such key: target evaluating rule: "
                "!(self.target.creationPolicy in ['Merge', 'None'] "
                "&& self.target.deletionPolicy == 'Delete')",
                "spec: Invalid value: no such key: target evaluating rule: "
                "!(self.target.creationPolicy == 'None' && self.target.deletionPolicy == 'Merge')",
            ],
            id="runtime-error-without-has-guard",
        ),
        pytest.param(
            lambda s: s.update(replicas=4),
            ["spec.replicas: Invalid value: failed rule: self % 2 == 1"],
            id="default-message",
        ),
        pytest.param(
            lambda s: s.update(namespace="Prod"),
            [
                "spec.namespace: Invalid value: failed rule: self.matches('^[a-z]+$') "
                "&& !self.endsWith('-') && self.contains('a')"
            ],
            id="string-functions",
        ),
        pytest.param(
            lambda s: s.update(selector={}),
            ["spec.selector.name: Required value: set exactly one of namespace or name"],
            id="field-path-and-reason-required",
        ),
        pytest.param(
            lambda s: s.update(labels={"a": ""}),
            ["spec.labels: Invalid value: bad label"],
            id="map-macro",
        ),
        pytest.param(
            lambda s: s.update(labels={"forbidden": "x"}),
            ["spec.labels: Duplicate value"],
            id="reason-duplicate",
        ),
    ],
)
def test_failed_rules_are_reported_as_kube_apiserver_words_them(
    tweak: Callable[[Spec], object], expected: list[str]
) -> None:
    assert _errors(tweak) == expected


@pytest.mark.parametrize(
    "tweak",
    [
        pytest.param(lambda s: s.update(replicas=3.0), id="integer-typed-from-float"),
        pytest.param(lambda s: s.update(selector={"namespace": "a"}), id="escaped-namespace"),
        pytest.param(
            lambda s: s.update(dataFrom=[{"find": {"tags": {"a": "b"}}}]), id="one-source"
        ),
        pytest.param(lambda s: s.update(namespace="alpha"), id="string-functions"),
        pytest.param(lambda s: s["target"].pop("name"), id="rules-skip-absent-values"),
    ],
)
def test_values_the_rules_allow_pass(tweak: Callable[[Spec], object]) -> None:
    assert _errors(tweak) == []


def test_transition_rules_are_skipped_on_create() -> None:
    assert _errors(lambda s: s["target"].update(name="other")) == []


def test_transition_rules_compare_with_the_old_object_on_update() -> None:
    errors = _errors(lambda s: s["target"].update(name="other"), old=copy.deepcopy(VALID))
    assert errors == ["spec.target.name: Invalid value: target.name is immutable"]


def test_map_list_items_correlate_with_old_items_by_key() -> None:
    old = copy.deepcopy(VALID)
    old["spec"]["data"].insert(0, {"secretKey": "user", "remoteRef": {"key": "u"}})

    def change(s: Spec) -> None:
        s["data"] = [
            {"secretKey": "password", "remoteRef": {"key": "changed"}},
            {"secretKey": "new", "remoteRef": {"key": "n"}},
        ]

    assert _errors(change, old=old) == ["spec.data[0]: Invalid value: remoteRef is immutable"]


def test_optional_old_self_rules_run_on_create_and_update() -> None:
    assert _errors(lambda s: s.update(replicas=3)) == []
    shrink = _errors(lambda s: s.update(replicas=1), old=_with(replicas=3))
    assert shrink == ["spec.replicas: Invalid value: replicas may not shrink"]


def test_unchanged_values_ratchet_past_rules_that_do_not_use_old_self() -> None:
    old = _with(replicas=4)
    assert _errors(lambda s: s.update(replicas=4), old=old) == []
    assert _errors(lambda s: s.update(replicas=6), old=old) == [
        "spec.replicas: Invalid value: failed rule: self % 2 == 1"
    ]


def test_a_runtime_error_names_the_rule() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "x-kubernetes-validations": [{"rule": "self.missing == 1"}],
            }
        },
    }
    details = [e.detail() for e in validate({"spec": {}}, schema)]
    assert details == [
        "spec: Invalid value: no such key: missing evaluating rule: self.missing == 1"
    ]


def test_rules_at_the_root_report_the_nil_field() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.metadata.name.startsWith('a')", "message": "name"}
        ],
        "properties": {"metadata": {"type": "object"}},
    }
    errors = validate({"metadata": {"name": "b"}}, schema)
    assert [e.detail() for e in errors] == ["<nil>: Invalid value: name"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            {"rule": "self.data =="},
            "openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: "
            'Invalid value: "self.data ==": '
            "compilation failed: ERROR: <input>:1:",
            id="syntax-error",
        ),
        pytest.param(
            {"rule": "has(self.dataa)"},
            "openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: "
            "\"has(self.dataa)\": compilation failed: ERROR: <input>:1:10: undefined field 'dataa'",
            id="undefined-field",
        ),
        pytest.param(
            {"rule": "self.target.nam == ''"},
            "undefined field 'nam'",
            id="undefined-nested-field",
        ),
        pytest.param(
            {"rule": "self.selector.namespace == ''"},
            "undefined field 'namespace'",
            id="unescaped-reserved-word",
        ),
        pytest.param(
            {"rule": "true", "messageExpression": "'x' +"},
            "openAPIV3Schema.properties[spec].x-kubernetes-validations[0].messageExpression: "
            "Invalid value: "
            "\"'x' +\": messageExpression compilation failed",
            id="message-expression",
        ),
    ],
)
def test_rules_that_do_not_compile_reject_the_crd(rule: dict[str, Any], expected: str) -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["spec"]["x-kubernetes-validations"] = [rule]
    errors = compile_errors(schema)
    assert len(errors) == 1
    assert expected in errors[0]
