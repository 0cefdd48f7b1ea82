"""OpenAPI value validation of a custom resource, worded exactly as kube-apiserver words it.

kube-apiserver validates custom resources with kube-openapi's validator and converts its results to
``field.Error`` values (``kubeOpenAPIResultToFieldErrors``). Both leave marks on the messages that
clients and our integration tests see: paths like ``spec.data[0].key`` (map values as
``spec.m.key``), details like ``spec.x in body should match '^a$'``, composite (anyOf/oneOf/allOf/
not) failures reported at the root field ``<nil>``, and the validator order (type, composites,
string, format, number, array, enum, object). This module reproduces those marks.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from localkube.apiserver.field_errors import (
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    TOO_LONG,
    TOO_MANY,
    TYPE_INVALID,
    FieldError,
    field_error,
    go_number,
)

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_UNIT_DURATION = re.compile(
    r"^\s*\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|"
    r"minutes?|hours?|days?|weeks?)\s*$"
)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_HOSTNAME = re.compile(
    r"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$"
)


@lru_cache(maxsize=1024)
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled ``pattern`` (ECMA-style patterns used in CRDs are valid Python regexes)."""
    return re.compile(pattern)


def _is_byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


_FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": lambda v: bool(_DATE_TIME.match(v)),
    "datetime": lambda v: bool(_DATE_TIME.match(v)),
    "date": lambda v: bool(_DATE.match(v)),
    "byte": _is_byte,
    "duration": lambda v: v == "0" or bool(_GO_DURATION.match(v) or _UNIT_DURATION.match(v)),
    "uuid": lambda v: bool(_UUID.match(v)),
    "ipv4": lambda v: _is_ip(v, 4),
    "ipv6": lambda v: _is_ip(v, 6),
    "hostname": lambda v: len(v) <= 255 and bool(_HOSTNAME.match(v)),
}


def json_type(value: Any) -> str:
    """The JSON type name kube-openapi reports for a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def _types(node: Mapping[str, Any]) -> list[str]:
    if node.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    type_ = node.get("type")
    return [type_] if type_ else []


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _field(path: str) -> str:
    return path.removeprefix(".")


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class ValueValidator:
    """One validation pass; collects errors in kube-openapi's order."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def validate_root(
        self, obj: Any, schema: Mapping[str, Any], *, skip: frozenset[str] = frozenset()
    ) -> list[FieldError]:
        """Validate ``obj`` against ``schema``; ``skip`` names root fields left to the server."""
        self.node(obj, schema, "", skip=skip)
        return self.errors

    def node(
        self, value: Any, node: Mapping[str, Any], path: str, *, skip: frozenset[str] = frozenset()
    ) -> None:
        """Validate one value against one schema node, recursing into its children."""
        if value is None:
            self._null(node, path)
            return
        if not self._type(value, node, path):
            return
        self._composites(value, node, path)
        if isinstance(value, str):
            self._string(value, node, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._number(value, node, path)
        elif isinstance(value, list):
            self._array(value, node, path)
        self._enum(value, node, path)
        if isinstance(value, dict):
            self._object(value, node, path, skip)

    def _add(self, type_: str, path: str, value: Any = "", detail: str = "") -> None:
        self.errors.append(field_error(type_, _field(path), value, detail))

    def _null(self, node: Mapping[str, Any], path: str) -> None:
        types = _types(node)
        if types and not node.get("nullable"):
            joined = ",".join(types)
            self._add(
                TYPE_INVALID, path, "null", f'{path} in body must be of type {joined}: "null"'
            )

    def _type(self, value: Any, node: Mapping[str, Any], path: str) -> bool:
        types = _types(node)
        actual = json_type(value)
        if not types or actual in types:
            return True
        if actual == "integer" and "number" in types:
            return True
        if actual == "number" and "integer" in types and float(value).is_integer():
            return True
        joined = ",".join(types)
        self._add(
            TYPE_INVALID, path, actual, f'{path} in body must be of type {joined}: "{actual}"'
        )
        return False

    def _string(self, value: str, node: Mapping[str, Any], path: str) -> None:
        max_length, min_length = node.get("maxLength"), node.get("minLength")
        if max_length is not None and len(value) > max_length:
            unit = "byte" if max_length == 1 else "bytes"
            self._add(TOO_LONG, path, detail=f"may not be more than {max_length} {unit}")
        if min_length is not None and len(value) < min_length:
            self._add(
                INVALID, path, value, f"{path} in body should be at least {min_length} chars long"
            )
        pattern = node.get("pattern")
        if pattern and not compiled_pattern(pattern).search(value):
            self._add(INVALID, path, value, f"{path} in body should match '{pattern}'")
        check = _FORMATS.get(node.get("format") or "")
        if check is not None and not check(value):
            quoted = json.dumps(value, ensure_ascii=False)
            detail = f"{path} in body must be of type {node['format']}: {quoted}"
            self._add(TYPE_INVALID, path, value, detail)

    def _number(self, value: int | float, node: Mapping[str, Any], path: str) -> None:
        def bound(limit: int | float) -> str:
            if isinstance(value, int) and float(limit).is_integer():
                return str(int(limit))
            return go_number(float(limit))

        maximum, minimum, multiple = (
            node.get("maximum"),
            node.get("minimum"),
            node.get("multipleOf"),
        )
        if maximum is not None:
            exclusive = bool(node.get("exclusiveMaximum"))
            if value > maximum or (exclusive and value == maximum):
                words = "less than" if exclusive else "less than or equal to"
                self._add(
                    INVALID, path, value, f"{path} in body should be {words} {bound(maximum)}"
                )
        if minimum is not None:
            exclusive = bool(node.get("exclusiveMinimum"))
            if value < minimum or (exclusive and value == minimum):
                words = "greater than" if exclusive else "greater than or equal to"
                self._add(
                    INVALID, path, value, f"{path} in body should be {words} {bound(minimum)}"
                )
        if multiple and (value / multiple) != int(value / multiple):
            self._add(
                INVALID, path, value, f"{path} in body should be a multiple of {bound(multiple)}"
            )

    def _array(self, value: list[Any], node: Mapping[str, Any], path: str) -> None:
        items = node.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                self.node(item, items, f"{path}[{i}]")
        min_items, max_items = node.get("minItems"), node.get("maxItems")
        if min_items is not None and len(value) < min_items:
            self._add(
                INVALID, path, len(value), f"{path} in body should have at least {min_items} items"
            )
        if max_items is not None and len(value) > max_items:
            unit = "item" if max_items == 1 else "items"
            self._add(TOO_MANY, path, len(value), f"must have at most {max_items} {unit}")
        if node.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) < len(
            value
        ):
            self._add(INVALID, path, "", f"{path} in body shouldn't contain duplicates")

    def _enum(self, value: Any, node: Mapping[str, Any], path: str) -> None:
        allowed = node.get("enum")
        if not allowed or any(_json_equal(value, e) for e in allowed):
            return
        quoted = [
            json.dumps(
                e if isinstance(e, str) else json.dumps(e, separators=(",", ":")),
                ensure_ascii=False,
            )
            for e in allowed
        ]
        self._add(NOT_SUPPORTED, path, value, "supported values: " + ", ".join(quoted))

    def _object(
        self, value: dict[str, Any], node: Mapping[str, Any], path: str, skip: frozenset[str]
    ) -> None:
        count = len(value)
        min_props, max_props = node.get("minProperties"), node.get("maxProperties")
        if min_props is not None and count < min_props:
            self._add(
                INVALID, path, count, f"{path} in body should have at least {min_props} properties"
            )
            return
        if max_props is not None and count > max_props:
            unit = "item" if max_props == 1 else "items"
            self._add(TOO_MANY, path, count, f"must have at most {max_props} {unit}")
            return
        props: Mapping[str, Any] = node.get("properties") or {}
        additional = node.get("additionalProperties")
        if isinstance(additional, Mapping):
            for key, sub in value.items():
                if key not in props:
                    self.node(sub, additional, f"{path}.{key}")
        for name, sub_node in props.items():
            if name in value and name not in skip:
                self.node(value[name], sub_node, _child(path, name))
        for name in node.get("required") or ():
            if name not in value:
                self._add(REQUIRED, f"{path}.{name}")

    def _composites(self, value: Any, node: Mapping[str, Any], path: str) -> None:
        for key in ("anyOf", "oneOf", "allOf"):
            subs = node.get(key)
            if subs:
                self._composite(key, value, subs, path)
        negated = node.get("not")
        if isinstance(negated, Mapping) and not self._sub_errors(value, negated, path):
            self._root_error(f"{json.dumps(path)} must not validate the schema (not)")

    def _composite(self, key: str, value: Any, subs: list[Mapping[str, Any]], path: str) -> None:
        results = [self._sub_errors(value, sub, path) for sub in subs]
        valid = sum(1 for r in results if not r)
        failures = [r for r in results if r]
        best = min(failures, key=len) if failures else []
        quoted = json.dumps(path)
        if key == "anyOf" and not valid:
            self._root_error(f"{quoted} must validate at least one schema (anyOf)")
            self.errors.extend(best)
        elif key == "oneOf" and valid != 1:
            found = "Found none valid" if not valid else f"Found {valid} valid alternatives"
            self._root_error(f"{quoted} must validate one and only one schema (oneOf). {found}")
            if not valid:
                self.errors.extend(best)
        elif key == "allOf" and valid != len(subs):
            for failure in failures:
                self.errors.extend(failure)
            suffix = ". None validated" if not valid else ""
            self._root_error(f"{quoted} must validate all the schemas (allOf){suffix}")

    def _sub_errors(self, value: Any, node: Mapping[str, Any], path: str) -> list[FieldError]:
        sub = ValueValidator()
        sub.node(value, node, path)
        return sub.errors

    def _root_error(self, detail: str) -> None:
        self.errors.append(field_error(INVALID, "", "", detail))
