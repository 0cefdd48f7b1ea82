"""CRD-create-time checks that a version's ``openAPIV3Schema`` is structural and usable.

apiextensions.k8s.io/v1 rejects CRDs whose schemas are not structural (every node typed, value
validations free of types and defaults, ``metadata`` limited to name and generateName) or use
features it forbids (``uniqueItems: true``, ``additionalProperties: false``, bad patterns, invalid
defaults). The local server must reject the same CRDs, or a CRD that works in CI would fail on a
real cluster. Only the rules a hand-written or generated CRD is likely to break are covered;
each line is "<field>: <message>" in the real server's words, with fields relative to ``path``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from eso.testing.apiserver.schema_values import ValueValidator

_TYPES = ("array", "boolean", "integer", "number", "object", "string")
_LIST_TYPES = ("atomic", "map", "set")
_NOT_STRUCTURAL = (
    "type",
    "additionalProperties",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
)
_VALUE_VALIDATIONS = ("allOf", "anyOf", "oneOf")


def check_structural(schema: Mapping[str, Any], *, path: str = "openAPIV3Schema") -> list[str]:
    """Why ``schema`` would be rejected at CRD create or update; empty when it is acceptable.

    ``path`` names the schema root in each line; the server prefixes ``spec.versions[i].schema.``.
    """
    problems = list(_root(schema, path))
    problems.extend(_node(schema, path, level="root"))
    return problems


def _root(schema: Mapping[str, Any], path: str) -> Iterator[str]:
    type_ = schema.get("type")
    if not type_:
        yield f"{path}.type: Required value: must not be empty at the root"
    elif type_ != "object":
        yield f"{path}.type: Invalid value: {_q(type_)}: must be object at the root"
    metadata = (schema.get("properties") or {}).get("metadata")
    if isinstance(metadata, Mapping):
        extra = set(metadata.get("properties") or {}) - {"name", "generateName"}
        rest = set(metadata) - {"type", "properties", "description"}
        if extra or rest:
            yield (
                f"{path}.properties[metadata]: Forbidden: must not specify anything other than "
                "name and generateName, but metadata is implicitly specified"
            )


def _node(node: Mapping[str, Any], path: str, *, level: str) -> Iterator[str]:
    yield from _type_problems(node, path, level=level)
    yield from _shape_problems(node, path)
    yield from _list_problems(node, path)
    yield from _value_validation_problems(node, path)
    yield from _default_problems(node, path)
    for name, sub in (node.get("properties") or {}).items():
        if isinstance(sub, Mapping):
            yield from _node(sub, f"{path}.properties[{name}]", level="field")
    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        yield from _node(additional, f"{path}.additionalProperties", level="field")
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _node(items, f"{path}.items", level="item")


def _type_problems(node: Mapping[str, Any], path: str, *, level: str) -> Iterator[str]:
    type_ = node.get("type")
    embedded = node.get("x-kubernetes-embedded-resource")
    if type_ and type_ not in _TYPES:
        supported = ", ".join(_q(t) for t in _TYPES)
        yield f"{path}.type: Unsupported value: {_q(type_)}: supported values: {supported}"
    if embedded and type_ != "object":
        kind = "Invalid value: " + _q(type_) if type_ else "Required value"
        yield f"{path}.type: {kind}: must be object if x-kubernetes-embedded-resource is true"
    elif (
        not type_
        and level != "root"
        and not (
            node.get("x-kubernetes-int-or-string")
            or node.get("x-kubernetes-preserve-unknown-fields")
        )
    ):
        where = "array items" if level == "item" else "object fields"
        yield f"{path}.type: Required value: must not be empty for specified {where}"


def _shape_problems(node: Mapping[str, Any], path: str) -> Iterator[str]:
    if node.get("type") == "array" and "items" not in node:
        yield f"{path}.items: Required value: must be specified"
    if isinstance(node.get("items"), list):
        yield f"{path}.items: Forbidden: items must be a schema object and not an array"
    additional = node.get("additionalProperties")
    if additional is not None and node.get("properties"):
        yield (
            f"{path}.additionalProperties: Forbidden: "
            "additionalProperties and properties are mutual exclusive"
        )
    if additional is False:
        yield f"{path}.additionalProperties: Forbidden: must not be false"
    if node.get("uniqueItems"):
        yield (
            f"{path}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime "
            "complexity becomes quadratic"
        )
    pattern = node.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            yield (
                f"{path}.pattern: Invalid value: {_q(pattern)}: "
                f"must be a valid regular expression, but isn't: {e}"
            )


def _list_problems(node: Mapping[str, Any], path: str) -> Iterator[str]:
    list_type = node.get("x-kubernetes-list-type")
    keys = node.get("x-kubernetes-list-map-keys")
    if list_type is not None and list_type not in _LIST_TYPES:
        supported = ", ".join(_q(t) for t in _LIST_TYPES)
        yield (
            f"{path}.x-kubernetes-list-type: Unsupported value: {_q(list_type)}: "
            f"supported values: {supported}"
        )
    if list_type == "map" and not keys:
        yield (
            f"{path}.x-kubernetes-list-map-keys: Required value: must not be empty if "
            "x-kubernetes-list-type is map"
        )
    if keys and list_type != "map":
        yield (
            f"{path}.x-kubernetes-list-type: Invalid value: {_q(list_type or '')}: must be map if "
            "x-kubernetes-list-map-keys is non-empty"
        )
    item_props = ((node.get("items") or {}) if isinstance(node.get("items"), Mapping) else {}).get(
        "properties"
    ) or {}
    for i, key in enumerate(keys or ()):
        if list_type == "map" and key not in item_props:
            yield (
                f"{path}.x-kubernetes-list-map-keys[{i}]: Invalid value: {_q(key)}: "
                "entries must all be names of item properties"
            )


def _value_validation_problems(node: Mapping[str, Any], path: str) -> Iterator[str]:
    int_or_string = bool(node.get("x-kubernetes-int-or-string"))
    for key in _VALUE_VALIDATIONS:
        for i, sub in enumerate(node.get(key) or ()):
            if int_or_string and key == "anyOf" and set(sub) == {"type"}:
                continue
            yield from _nested(sub, f"{path}.{key}[{i}]")
    negated = node.get("not")
    if isinstance(negated, Mapping):
        yield from _nested(negated, f"{path}.not")


def _nested(sub: Mapping[str, Any], path: str) -> Iterator[str]:
    for field in _NOT_STRUCTURAL:
        if field in sub:
            yield f"{path}.{field}: Forbidden: must be empty to be structural"
    if "default" in sub:
        yield f"{path}.default: Forbidden: must be undefined to be structural"
    for name, prop in (sub.get("properties") or {}).items():
        if isinstance(prop, Mapping):
            yield from _nested(prop, f"{path}.properties[{name}]")
    items = sub.get("items")
    if isinstance(items, Mapping):
        yield from _nested(items, f"{path}.items")


def _default_problems(node: Mapping[str, Any], path: str) -> Iterator[str]:
    if "default" not in node:
        return
    validator = ValueValidator()
    validator.node(node["default"], node, "default")
    for error in validator.errors:
        yield f"{path}.default: {error.message}"


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
