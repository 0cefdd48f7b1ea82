"""Sprig's dict functions (``dict``, ``get``, ``set``, ``merge``, ``dig``...).

Go maps are references: ``set``/``unset``/``merge`` change the map they are given and return
it, and templates rely on that (``$_ := set $d "k" 1``). ``merge``/``mergeOverwrite`` follow
mergo v1.0 on ``map[string]interface {}``: nested maps merge recursively, a destination value
is replaced only when it is "empty" (or always, overwriting, even by an empty source value),
and lists are never concatenated. Go's map order is random; ours is insertion order, which
is one of Go's possible orders (``keys``/``values``).
"""

from __future__ import annotations

import copy
from typing import Any

from eso.template.functions._govalue import strval
from eso.template.functions.defaults import is_empty
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import StringSlice, go_type_name

__all__ = ["register"]

_MAP = "map[string]interface {}"


def dict_(*values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(values), 2):
        out[strval(values[i])] = values[i + 1] if i + 1 < len(values) else ""
    return out


def get(d: dict[str, Any], key: str) -> Any:
    return d.get(key, "")


def set_(d: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    d[key] = value
    return d


def unset(d: dict[str, Any], key: str) -> dict[str, Any]:
    d.pop(key, None)
    return d


def has_key(d: dict[str, Any], key: str) -> bool:
    return key in d


def pluck(key: str, *dicts: dict[str, Any]) -> list[Any]:
    return [d[key] for d in dicts if key in d]


def keys(*dicts: dict[str, Any]) -> StringSlice:
    return StringSlice(k for d in dicts for k in d)


def values(d: dict[str, Any]) -> list[Any]:
    return list(d.values())


def pick(d: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: d[k] for k in names if k in d}


def omit(d: dict[str, Any], *names: str) -> dict[str, Any]:
    drop = set(names)
    return {k: v for k, v in d.items() if k not in drop}


def _merge_into(dst: dict[Any, Any], src: dict[Any, Any], *, overwrite: bool) -> None:
    """mergo's ``deepMerge`` of two maps."""
    for key, value in src.items():
        if value is None:
            if overwrite:
                dst[key] = None
            continue
        had = key in dst
        if isinstance(value, dict) and had and isinstance(dst[key], dict):
            _merge_into(dst[key], value, overwrite=overwrite)
        nested = had and (
            isinstance(value, list) or (isinstance(value, dict) and isinstance(dst[key], dict))
        )
        if nested and not is_empty(dst[key]):
            if overwrite and isinstance(value, list):
                dst[key] = value
            continue
        if overwrite or not had or is_empty(dst[key]):
            dst[key] = value


def merge(dst: dict[str, Any], *srcs: dict[str, Any]) -> dict[str, Any]:
    for src in srcs:
        _merge_into(dst, src, overwrite=False)
    return dst


def merge_overwrite(dst: dict[str, Any], *srcs: dict[str, Any]) -> dict[str, Any]:
    for src in srcs:
        _merge_into(dst, src, overwrite=True)
    return dst


def deep_copy(value: Any) -> Any:
    if value is None:  # copystructure reflects on the nil interface and panics
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    return copy.deepcopy(value)


def _as_map(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        name = "nil" if value is None else go_type_name(value)
        raise FuncError(f"interface conversion: interface {{}} is {name}, not {_MAP}")
    return value


def dig(*args: Any) -> Any:
    """``dig "a" "b" default dict``: the value at a.b, or ``default`` if a key is missing."""
    if len(args) < 3:
        raise FuncError("dig needs at least three arguments")
    current, fallback = _as_map(args[-1]), args[-2]
    path = []
    for k in args[:-2]:
        if not isinstance(k, str):
            name = "nil" if k is None else go_type_name(k)
            raise FuncError(f"interface conversion: interface {{}} is {name}, not string")
        path.append(k)
    for i, k in enumerate(path):
        if k not in current:
            return fallback
        if i == len(path) - 1:
            return current[k]
        current = _as_map(current[k])
    return fallback


def register(funcs: FuncMap) -> None:
    r = funcs.register
    anyv = "interface {}"
    r("dict", variadic=anyv, result=_MAP)(dict_)
    r("get", _MAP, "string")(get)
    r("set", _MAP, "string", anyv, result=_MAP)(set_)
    r("unset", _MAP, "string", result=_MAP)(unset)
    r("hasKey", _MAP, "string", result="bool")(has_key)
    r("pluck", "string", variadic=_MAP, result="[]interface {}")(pluck)
    r("keys", variadic=_MAP, result="[]string")(keys)
    r("values", _MAP, result="[]interface {}")(values)
    r("pick", _MAP, variadic="string", result=_MAP)(pick)
    r("omit", _MAP, variadic="string", result=_MAP)(omit)
    r("merge", _MAP, variadic=_MAP)(merge)
    r("mustMerge", _MAP, variadic=_MAP, returns_error=True)(merge)
    r("mergeOverwrite", _MAP, variadic=_MAP)(merge_overwrite)
    r("mustMergeOverwrite", _MAP, variadic=_MAP, returns_error=True)(merge_overwrite)
    r("deepCopy", anyv)(deep_copy)
    r("mustDeepCopy", anyv, returns_error=True)(deep_copy)
    r("dig", variadic=anyv, returns_error=True)(dig)
