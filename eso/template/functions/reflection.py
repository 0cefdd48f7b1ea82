"""Sprig's reflection functions (``typeOf``, ``kindOf``, ``deepEqual``...) over the Go value
model, and ``deep_equal``, Go's ``reflect.DeepEqual``, which ``uniq``/``has``/``without`` use.

``DeepEqual`` compares Go *types* as well as values: ``int`` 1 and ``int64`` 1 differ, and so
do ``[]string`` and ``[]interface {}`` with the same items; NaN never equals itself. Python's
``==`` would merge all of these, so equality is decided on ``go_type_name`` first.
"""

from __future__ import annotations

from typing import Any

from eso.template.functions.registry import FuncMap
from eso.template.values import go_kind, go_type_name, is_nil_slice

__all__ = ["deep_equal", "register"]


def deep_equal(a: Any, b: Any) -> bool:
    """``reflect.DeepEqual(a, b)``."""
    if type_of(a) != type_of(b):
        return False
    if isinstance(a, list | tuple):
        if is_nil_slice(a) != is_nil_slice(b):
            return False
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(k in b and deep_equal(v, b[k]) for k, v in a.items())
    return bool(a == b)


def type_of(src: Any) -> str:
    """Go's ``%T``; objects standing for Go pointers (``semver``) name their Go type."""
    return str(getattr(type(src), "GO_TYPE", None) or go_type_name(src))


def type_is(target: str, src: Any) -> bool:
    return target == type_of(src)


def type_is_like(target: str, src: Any) -> bool:
    return type_of(src) in (target, "*" + target)


def kind_of(src: Any) -> str:
    return str(getattr(type(src), "GO_KIND", None) or go_kind(src))


def kind_is(target: str, src: Any) -> bool:
    return target == kind_of(src)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("typeOf", "interface {}", result="string")(type_of)
    r("typeIs", "string", "interface {}", result="bool")(type_is)
    r("typeIsLike", "string", "interface {}", result="bool")(type_is_like)
    r("kindOf", "interface {}", result="string")(kind_of)
    r("kindIs", "string", "interface {}", result="bool")(kind_is)
    r("deepEqual", "interface {}", "interface {}", result="bool")(deep_equal)
