"""Typed CEL values and the Kubernetes CEL library functions that cel-python lacks.

kube-apiserver does not hand rules raw JSON: it types every value by its schema node (an
``integer`` is an int even when written ``1.0``, a ``number`` is a double, ``format: byte`` is
bytes, ``duration`` a duration, ``date``/``date-time`` a timestamp) and exposes object properties
under escaped names (``namespace`` becomes ``__namespace__``, ``a-b`` becomes ``a__dash__b``). Rules
written against our CRDs must behave here as they will there, so conversion follows the schema.

The functions are the parts of Kubernetes' string, list, regex and optional libraries that rules
for ESO-style resources use; they are plain Python over cel-python's value types.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel

_RESERVED = frozenset(
    {
        *("true", "false", "null", "in", "as", "break", "const", "continue", "else", "for"),
        *("function", "if", "import", "let", "loop", "package", "namespace", "return", "var"),
        *("void", "while"),
    }
)
_ESCAPES = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}
_ESCAPE_PATTERN = re.compile(r"__|[-./]|[^a-zA-Z0-9_]")
_EMBEDDED_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


def escape_property(name: str) -> str | None:
    """The name under which a property is visible to CEL, or None when it cannot be."""
    if not name or name[0].isdigit():
        return None
    if name in _RESERVED:
        return f"__{name}__"
    escapable = True

    def replace(match: re.Match[str]) -> str:
        nonlocal escapable
        text = match.group(0)
        if text in _ESCAPES:
            return _ESCAPES[text]
        escapable = False
        return ""

    escaped = _ESCAPE_PATTERN.sub(replace, name)
    return escaped if escapable else None


def to_cel(value: Any, node: Mapping[str, Any] | None) -> Any:
    """``value`` as the CEL value kube-apiserver would bind for schema ``node``."""
    if value is None:
        return None
    if node is None:
        return json_to_cel(value)
    if isinstance(value, dict):
        return _object(value, node)
    if isinstance(value, list):
        items = node.get("items")
        return celtypes.ListType(
            [to_cel(v, items if isinstance(items, Mapping) else None) for v in value]
        )
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int | float):
        return _number(value, node.get("type"))
    if isinstance(value, str):
        return _string(value, node.get("format"))
    return json_to_cel(value)


def _object(value: dict[str, Any], node: Mapping[str, Any]) -> Any:
    props: Mapping[str, Any] = node.get("properties") or {}
    additional = node.get("additionalProperties")
    if not props and isinstance(additional, Mapping):
        return celtypes.MapType(
            {celtypes.StringType(k): to_cel(v, additional) for k, v in value.items()}
        )
    if not props:
        return json_to_cel(value)
    out: dict[Any, Any] = {}
    embedded = bool(node.get("x-kubernetes-embedded-resource"))
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    for key, sub in value.items():
        if key in props:
            name = escape_property(key)
            if name is not None:
                out[celtypes.StringType(name)] = to_cel(sub, props[key])
        elif preserve or (embedded and key in _EMBEDDED_FIELDS):
            out[celtypes.StringType(key)] = json_to_cel(sub)
    return celtypes.MapType(out)


def _number(value: int | float, type_: Any) -> Any:
    if type_ == "number":
        return celtypes.DoubleType(float(value))
    if isinstance(value, float) and value.is_integer() and type_ == "integer":
        return celtypes.IntType(int(value))
    return celtypes.IntType(value) if isinstance(value, int) else celtypes.DoubleType(value)


def _string(value: str, format_: Any) -> Any:
    try:
        if format_ == "byte":
            return celtypes.BytesType(base64.b64decode(value, validate=True))
        if format_ == "duration":
            return celtypes.DurationType(value)
        if format_ in ("date", "date-time"):
            return celtypes.TimestampType(value if format_ == "date-time" else f"{value}T00:00:00Z")
    except (ValueError, binascii.Error):
        pass
    return celtypes.StringType(value)


class CelOptional:
    """``oldSelf`` under ``optionalOldSelf``: ``hasValue()``, ``value()``, ``orValue(x)``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CelOptional):
            return bool(self.value == other.value)
        return False

    def __hash__(self) -> int:
        return hash(repr(self.value))


def _has_value(opt: CelOptional) -> celtypes.BoolType:
    return celtypes.BoolType(opt.value is not None)


def _value(opt: CelOptional) -> Any:
    if opt.value is None:
        raise ValueError("optional.none() dereference")
    return opt.value


def _or_value(opt: CelOptional, default: Any) -> Any:
    return default if opt.value is None else opt.value


def _index_of(target: Any, item: Any, start: Any = 0) -> celtypes.IntType:
    if isinstance(target, str):
        return celtypes.IntType(target.find(str(item), int(start)))
    for i, v in enumerate(target):
        if v == item:
            return celtypes.IntType(i)
    return celtypes.IntType(-1)


def _last_index_of(target: Any, item: Any) -> celtypes.IntType:
    if isinstance(target, str):
        return celtypes.IntType(target.rfind(str(item)))
    for i in range(len(target) - 1, -1, -1):
        if target[i] == item:
            return celtypes.IntType(i)
    return celtypes.IntType(-1)


def _substring(text: str, start: int, end: int | None = None) -> celtypes.StringType:
    stop = len(text) if end is None else int(end)
    if not 0 <= int(start) <= stop <= len(text):
        raise IndexError(f"index out of range: {start}")
    return celtypes.StringType(text[int(start) : stop])


def _split(text: str, sep: str, limit: int = -1) -> celtypes.ListType:
    parts = text.split(sep) if limit < 0 else text.split(sep, max(int(limit) - 1, 0))
    return celtypes.ListType([celtypes.StringType(p) for p in parts] if limit != 0 else [])


def _join(items: list[Any], sep: str = "") -> celtypes.StringType:
    return celtypes.StringType(str(sep).join(str(i) for i in items))


def _replace(text: str, old: str, new: str, limit: int = -1) -> celtypes.StringType:
    return celtypes.StringType(text.replace(old, new, int(limit)))


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _find(text: str, pattern: str) -> celtypes.StringType:
    match = _regex(str(pattern)).search(text)
    return celtypes.StringType(match.group(0) if match else "")


def _find_all(text: str, pattern: str, limit: int = -1) -> celtypes.ListType:
    found = [celtypes.StringType(m.group(0)) for m in _regex(str(pattern)).finditer(text)]
    return celtypes.ListType(found if limit < 0 else found[: int(limit)])


def _matches(text: str, pattern: str) -> celtypes.BoolType:
    return celtypes.BoolType(_regex(str(pattern)).search(text) is not None)


def _is_sorted(items: list[Any]) -> celtypes.BoolType:
    return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(items)))


def _sum(items: list[Any]) -> Any:
    total: Any = celtypes.IntType(0)
    for i, item in enumerate(items):
        total = item if i == 0 else total + item
    return total


def _min(items: list[Any]) -> Any:
    return min(items)


def _max(items: list[Any]) -> Any:
    return max(items)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "hasValue": _has_value,
    "value": _value,
    "orValue": _or_value,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": lambda s: celtypes.StringType(s.lower()),
    "upperAscii": lambda s: celtypes.StringType(s.upper()),
    "trim": lambda s: celtypes.StringType(s.strip()),
    "charAt": lambda s, i: celtypes.StringType(s[int(i)] if int(i) < len(s) else ""),
    "substring": _substring,
    "split": _split,
    "join": _join,
    "replace": _replace,
    "find": _find,
    "findAll": _find_all,
    "matches": _matches,
    "isSorted": _is_sorted,
    "sum": _sum,
    "min": _min,
    "max": _max,
}
