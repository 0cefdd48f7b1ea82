"""Structural-schema validation, defaulting and pruning of custom resources, worded like kube."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from localkube.apiserver.cel import compile_errors
from localkube.apiserver.schema import (
    FieldError,
    apply_defaults,
    check_structural,
    prune,
    validate,
)

Spec = dict[str, Any]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["secretStoreRef"],
            "properties": {
                "refreshInterval": {"type": "string", "default": "1h"},
                "secretStoreRef": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 20, "pattern": "^[a-z0-9.-]+$"},
                        "kind": {
                            "type": "string",
                            "enum": ["SecretStore", "ClusterSecretStore"],
                            "default": "SecretStore",
                        },
                    },
                },
                "target": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "creationPolicy": {
                            "type": "string",
                            "enum": ["Owner", "Orphan", "Merge", "None"],
                            "default": "Owner",
                        },
                        "template": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        },
                    },
                },
                "data": {
                    "type": "array",
                    "maxItems": 3,
                    "minItems": 1,
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["secretKey"],
                    "items": {
                        "type": "object",
                        "required": ["secretKey", "remoteRef"],
                        "properties": {
                            "secretKey": {"type": "string"},
                            "remoteRef": {
                                "type": "object",
                                "required": ["key"],
                                "properties": {
                                    "key": {"type": "string"},
                                    "conversionStrategy": {"type": "string", "default": "Default"},
                                },
                            },
                        },
                    },
                },
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                "ratio": {"type": "number", "maximum": 1.5, "exclusiveMaximum": True},
                "port": {"x-kubernetes-int-or-string": True},
                "enabled": {"type": "boolean"},
                "tags": {
                    "type": "array",
                    "x-kubernetes-list-type": "set",
                    "items": {"type": "string"},
                },
                "labels": {
                    "type": "object",
                    "maxProperties": 2,
                    "additionalProperties": {"type": "string"},
                },
                "note": {"type": "string", "nullable": True},
                "since": {"type": "string", "format": "date-time"},
                "blob": {"type": "string", "format": "byte"},
                "choice": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                    "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
                },
                "raw": {"x-kubernetes-preserve-unknown-fields": True},
                "embedded": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
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
        "secretStoreRef": {"name": "global-secret-store", "kind": "ClusterSecretStore"},
        "target": {"name": "allfunds-secret"},
        "data": [{"secretKey": "password", "remoteRef": {"key": "app-secret"}}],
    },
}

TYPE_BLOCKED = (
    "<nil>: Invalid value: null: some validation rules were not checked because the object "
    "was invalid; correct the existing errors to complete validation"
)


def _errors(tweak: Callable[[Spec], object]) -> list[str]:
    obj = copy.deepcopy(VALID)
    tweak(obj["spec"])
    return [e.detail() for e in validate(obj, SCHEMA)]


def test_the_valid_object_has_no_errors() -> None:
    assert validate(copy.deepcopy(VALID), SCHEMA) == []


def test_field_error_detail_joins_field_and_message() -> None:
    error = FieldError("FieldValueRequired", "spec.x", "Required value")
    assert error.detail() == "spec.x: Required value"


@pytest.mark.parametrize(
    ("tweak", "expected"),
    [
        pytest.param(
            lambda s: s.update(refreshInterval=5),
            [
                'spec.refreshInterval: Invalid value: "integer": spec.refreshInterval in body '
                'must be of type string: "integer"'
            ],
            id="wrong-type",
        ),
        pytest.param(
            lambda s: s.update(replicas=True),
            [
                'spec.replicas: Invalid value: "boolean": spec.replicas in body must be of type '
                'integer: "boolean"'
            ],
            id="bool-is-not-integer",
        ),
        pytest.param(
            lambda s: s.update(replicas=2.5),
            [
                'spec.replicas: Invalid value: "number": spec.replicas in body must be of type '
                'integer: "number"'
            ],
            id="fraction-is-not-integer",
        ),
        pytest.param(
            lambda s: s.update(enabled=None),
            [
                'spec.enabled: Invalid value: "null": spec.enabled in body must be of type '
                'boolean: "null"'
            ],
            id="null-not-nullable",
        ),
        pytest.param(
            lambda s: s.update(port=[1]),
            [
                'spec.port: Invalid value: "array": spec.port in body must be of type '
                'integer,string: "array"'
            ],
            id="int-or-string",
        ),
        pytest.param(
            lambda s: s.pop("secretStoreRef"),
            ["spec.secretStoreRef: Required value"],
            id="required",
        ),
        pytest.param(
            lambda s: s["data"][0]["remoteRef"].pop("key"),
            ["spec.data[0].remoteRef.key: Required value"],
            id="required-in-array-item",
        ),
        pytest.param(
            lambda s: s["secretStoreRef"].update(kind="Store"),
            [
                'spec.secretStoreRef.kind: Unsupported value: "Store": supported values: '
                '"SecretStore", "ClusterSecretStore"'
            ],
            id="enum",
        ),
        pytest.param(
            lambda s: s["secretStoreRef"].update(name="Global"),
            [
                'spec.secretStoreRef.name: Invalid value: "Global": spec.secretStoreRef.name in '
                "body should match '^[a-z0-9.-]+$'"
            ],
            id="pattern",
        ),
        pytest.param(
            lambda s: s["secretStoreRef"].update(name="a" * 21),
            ["spec.secretStoreRef.name: Too long: may not be more than 20 bytes"],
            id="max-length",
        ),
        pytest.param(
            lambda s: s["target"].update(name=""),
            [
                'spec.target.name: Invalid value: "": spec.target.name in body should be at '
                "least 1 chars long"
            ],
            id="min-length",
        ),
        pytest.param(
            lambda s: s.update(replicas=11),
            [
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than "
                "or equal to 10"
            ],
            id="maximum",
        ),
        pytest.param(
            lambda s: s.update(replicas=0),
            [
                "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than "
                "or equal to 1"
            ],
            id="minimum",
        ),
        pytest.param(
            lambda s: s.update(ratio=1.5),
            ["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
            id="exclusive-maximum",
        ),
        pytest.param(
            lambda s: s.update(data=[]),
            ["spec.data: Invalid value: 0: spec.data in body should have at least 1 items"],
            id="min-items",
        ),
        pytest.param(
            lambda s: s.update(
                data=[{"secretKey": str(i), "remoteRef": {"key": "k"}} for i in range(4)]
            ),
            ["spec.data: Too many: 4: must have at most 3 items"],
            id="max-items",
        ),
        pytest.param(
            lambda s: s.update(labels={"a": "1", "b": "2", "c": "3"}),
            ["spec.labels: Too many: 3: must have at most 2 items"],
            id="max-properties",
        ),
        pytest.param(
            lambda s: s.update(labels={"a": 1}),
            [
                'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type '
                'string: "integer"'
            ],
            id="additional-properties-schema",
        ),
        pytest.param(
            lambda s: s.update(since="yesterday"),
            [
                'spec.since: Invalid value: "yesterday": spec.since in body must be of type '
                'date-time: "yesterday"'
            ],
            id="format-date-time",
        ),
        pytest.param(
            lambda s: s.update(blob="not base64!"),
            [
                'spec.blob: Invalid value: "not base64!": spec.blob in body must be of type '
                'byte: "not base64!"'
            ],
            id="format-byte",
        ),
        pytest.param(
            lambda s: s.update(tags=["a", "b", "a"]),
            ['spec.tags[2]: Duplicate value: "a"'],
            id="list-type-set",
        ),
        pytest.param(
            lambda s: s["data"].append({"secretKey": "password", "remoteRef": {"key": "other"}}),
            ['spec.data[1]: Duplicate value: {"secretKey":"password"}'],
            id="list-type-map",
        ),
        pytest.param(
            lambda s: s.update(choice={"a": "x", "b": "y"}),
            [
                '<nil>: Invalid value: "": "spec.choice" must validate one and only one schema '
                "(oneOf). Found 2 valid alternatives"
            ],
            id="one-of",
        ),
        pytest.param(
            lambda s: s.update(embedded={"metadata": {}}),
            [
                "spec.embedded.apiVersion: Required value: must not be empty",
                "spec.embedded.kind: Required value: must not be empty",
            ],
            id="embedded-resource",
        ),
    ],
)
def test_invalid_values_are_reported_as_kube_apiserver_words_them(
    tweak: Callable[[Spec], object], expected: list[str]
) -> None:
    assert _errors(tweak) == expected


@pytest.mark.parametrize(
    "tweak",
    [
        pytest.param(lambda s: s.update(replicas=3.0), id="integral-float-is-integer"),
        pytest.param(lambda s: s.update(ratio=1), id="int-is-number"),
        pytest.param(lambda s: s.update(port="http"), id="int-or-string-string"),
        pytest.param(lambda s: s.update(port=8080), id="int-or-string-int"),
        pytest.param(lambda s: s.update(note=None), id="nullable-null"),
        pytest.param(lambda s: s.update(since="2024-05-01T10:00:00Z"), id="date-time"),
        pytest.param(lambda s: s.update(blob="aGVsbG8="), id="byte"),
        pytest.param(lambda s: s.update(raw={"anything": [1, {"x": None}]}), id="preserved"),
        pytest.param(lambda s: s.update(choice={"b": "y"}), id="one-of-exactly-one"),
    ],
)
def test_values_the_schema_allows_pass(tweak: Callable[[Spec], object]) -> None:
    assert _errors(tweak) == []


def test_type_errors_block_cel_rules_with_kubes_note() -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["spec"]["x-kubernetes-validations"] = [{"rule": "true"}]
    obj = copy.deepcopy(VALID)
    obj["spec"]["replicas"] = "three"
    details = [e.detail() for e in validate(obj, schema)]
    assert details[-1] == TYPE_BLOCKED
    assert len(details) == 2


def test_error_types_are_the_status_cause_reasons() -> None:
    obj = copy.deepcopy(VALID)
    obj["spec"].update(replicas="x", tags=["a", "a"])
    obj["spec"]["secretStoreRef"].update(kind="x", name="a" * 30)
    del obj["spec"]["data"][0]["remoteRef"]
    types = {e.type for e in validate(obj, SCHEMA)}
    assert types == {
        "FieldValueTypeInvalid",
        "FieldValueNotSupported",
        "FieldValueTooLong",
        "FieldValueRequired",
        "FieldValueDuplicate",
    }


# ---- defaulting ------------------------------------------------------------------------------


def test_defaults_fill_absent_fields_and_nest_inside_defaulted_objects() -> None:
    obj = copy.deepcopy(VALID)
    del obj["spec"]["target"]
    del obj["spec"]["refreshInterval"]
    apply_defaults(obj, SCHEMA)
    assert obj["spec"]["refreshInterval"] == "1h"
    assert obj["spec"]["target"] == {"creationPolicy": "Owner"}
    assert obj["spec"]["secretStoreRef"]["kind"] == "ClusterSecretStore"
    assert obj["spec"]["data"][0]["remoteRef"]["conversionStrategy"] == "Default"


def test_defaults_apply_only_where_the_parent_exists() -> None:
    obj = copy.deepcopy(VALID)
    apply_defaults(obj, SCHEMA)
    assert "choice" not in obj["spec"]
    assert "labels" not in obj["spec"]


def test_non_nullable_null_takes_the_default_or_is_dropped() -> None:
    obj = copy.deepcopy(VALID)
    obj["spec"].update(refreshInterval=None, enabled=None, note=None)
    apply_defaults(obj, SCHEMA)
    assert obj["spec"]["refreshInterval"] == "1h"
    assert "enabled" not in obj["spec"]
    assert obj["spec"]["note"] is None


def test_defaulting_is_idempotent_and_does_not_share_default_objects() -> None:
    first, second = copy.deepcopy(VALID), copy.deepcopy(VALID)
    del first["spec"]["target"], second["spec"]["target"]
    apply_defaults(first, SCHEMA)
    apply_defaults(second, SCHEMA)
    first["spec"]["target"]["name"] = "changed"
    again = copy.deepcopy(second)
    apply_defaults(again, SCHEMA)
    assert again == second
    assert "name" not in second["spec"]["target"]


# ---- pruning ---------------------------------------------------------------------------------


def test_unknown_fields_are_pruned_at_every_level() -> None:
    obj = copy.deepcopy(VALID)
    obj["status"] = {"x": 1}
    obj["spec"]["unknown"] = 1
    obj["spec"]["data"][0]["remoteRef"]["extra"] = "x"
    pruned = prune(obj, SCHEMA)
    assert obj["spec"] == VALID["spec"]
    assert "status" not in obj
    assert pruned == ["spec.data[0].remoteRef.extra", "spec.unknown", "status"]


def test_root_type_meta_and_metadata_are_never_pruned() -> None:
    obj = copy.deepcopy(VALID)
    obj["metadata"]["labels"] = {"a": "b"}
    prune(obj, {"type": "object", "properties": {"spec": {"type": "object"}}})
    assert obj["apiVersion"] == VALID["apiVersion"]
    assert obj["kind"] == VALID["kind"]
    assert obj["metadata"]["labels"] == {"a": "b"}


def test_preserve_unknown_fields_keeps_unknowns_but_prunes_known_children() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {
                    "known": {"type": "object", "properties": {"a": {"type": "string"}}}
                },
            }
        },
    }
    obj: dict[str, Any] = {"spec": {"free": {"x": 1}, "known": {"a": "1", "b": "2"}}}
    prune(obj, schema)
    assert obj == {"spec": {"free": {"x": 1}, "known": {"a": "1"}}}


def test_embedded_resources_keep_their_type_meta_and_metadata() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "template": {
                        "type": "object",
                        "x-kubernetes-embedded-resource": True,
                        "properties": {
                            "data": {"type": "object", "additionalProperties": {"type": "string"}}
                        },
                    }
                },
            }
        },
    }
    template = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "data": {"a": "b"},
        "junk": 1,
    }
    obj: dict[str, Any] = {"spec": {"template": copy.deepcopy(template)}}
    prune(obj, schema)
    del template["junk"]
    assert obj["spec"]["template"] == template


# ---- structural checks -----------------------------------------------------------------------


def test_a_structural_schema_passes_the_crd_checks() -> None:
    assert check_structural(SCHEMA) == []
    assert compile_errors(SCHEMA) == []


@pytest.mark.parametrize(
    ("tweak", "expected"),
    [
        pytest.param(
            lambda s: s.pop("type"),
            "openAPIV3Schema.type: Required value: must not be empty at the root",
            id="root-untyped",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["replicas"].pop("type"),
            "openAPIV3Schema.properties[spec].properties[replicas].type: Required value: must not "
            "be empty for specified object fields",
            id="field-untyped",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["tags"]["items"].pop("type"),
            "openAPIV3Schema.properties[spec].properties[tags].items.type: Required value: must "
            "not be empty for specified array items",
            id="item-untyped",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["tags"].pop("items"),
            "openAPIV3Schema.properties[spec].properties[tags].items: Required value: "
            "must be specified",
            id="array-without-items",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["choice"]["oneOf"][0].update(
                type="object"
            ),
            "openAPIV3Schema.properties[spec].properties[choice].oneOf[0].type: Forbidden: must be "
            "empty to be structural",
            id="typed-value-validation",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["tags"].update(uniqueItems=True),
            "openAPIV3Schema.properties[spec].properties[tags].uniqueItems: Forbidden: uniqueItems "
            "cannot be set to true since the runtime complexity becomes quadratic",
            id="unique-items",
        ),
        pytest.param(
            lambda s: s["properties"]["metadata"].update(properties={"labels": {"type": "object"}}),
            "openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than "
            "name and generateName, but metadata is implicitly specified",
            id="metadata-schema",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["replicas"].update(default="x"),
            "openAPIV3Schema.properties[spec].properties[replicas].default: "
            'Invalid value: "string": '
            'default in body must be of type integer: "string"',
            id="invalid-default",
        ),
        pytest.param(
            lambda s: s["properties"]["spec"]["properties"]["data"].pop(
                "x-kubernetes-list-map-keys"
            ),
            "openAPIV3Schema.properties[spec].properties[data].x-kubernetes-list-map-keys: "
            "Required value: must not be empty if x-kubernetes-list-type is map",
            id="list-map-without-keys",
        ),
    ],
)
def test_non_structural_schemas_are_rejected(
    tweak: Callable[[dict[str, Any]], object], expected: str
) -> None:
    schema = copy.deepcopy(SCHEMA)
    tweak(schema)
    assert expected in check_structural(schema)
