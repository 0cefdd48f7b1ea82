"""Sprig's list functions (``list``, ``first``, ``uniq``, ``slice``, ``chunk``...).

Each takes any Go slice (``[]interface {}``, ``[]string``, ``[]byte``) and, except ``slice``,
returns a new ``[]interface {}``; a non-slice is an error for the ``must*`` variant and a
panic for the plain one, both worded as sprig words them ("Cannot find first on type
string"). Go's ``reflect.TypeOf(nil).Kind()`` dereferences nil, so nil is a nil-pointer
panic, not that message. Membership (``has``, ``uniq``, ``without``) is Go's
``reflect.DeepEqual``: ``1`` and ``int64 1`` are different items.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from eso.template.functions._cast import to_int64
from eso.template.functions.defaults import is_empty
from eso.template.functions.reflection import deep_equal
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import NilSlice, SliceOfSlices, Uint8, go_kind

__all__ = ["register"]

_NIL_PANIC = "runtime error: invalid memory address or nil pointer dereference"


def _items(value: Any, message: str) -> list[Any]:
    """The items of a Go slice, or ``FuncError(message % kind)``."""
    if value is None:
        raise FuncError(_NIL_PANIC)
    if isinstance(value, bytes):
        return [Uint8(b) for b in value]
    if isinstance(value, list | tuple):
        return list(value)
    raise FuncError(message % go_kind(value))


def list_(*values: Any) -> list[Any]:
    return list(values)


def push(seq: Any, value: Any) -> list[Any]:
    return [*_items(seq, "Cannot push on type %s"), value]


def prepend(seq: Any, value: Any) -> list[Any]:
    return [value, *_items(seq, "Cannot prepend on type %s")]


def first(seq: Any) -> Any:
    items = _items(seq, "Cannot find first on type %s")
    return items[0] if items else None


def last(seq: Any) -> Any:
    items = _items(seq, "Cannot find last on type %s")
    return items[-1] if items else None


def rest(seq: Any) -> list[Any]:
    items = _items(seq, "Cannot find rest on type %s")
    return items[1:] if items else NilSlice()  # sprig returns nil for an empty list


def initial(seq: Any) -> list[Any]:
    items = _items(seq, "Cannot find initial on type %s")
    return items[:-1] if items else NilSlice()


def reverse(seq: Any) -> list[Any]:
    return _items(seq, "Cannot find reverse on type %s")[::-1]


def compact(seq: Any) -> list[Any]:
    return [v for v in _items(seq, "Cannot compact on type %s") if not is_empty(v)]


def _contains(haystack: list[Any], needle: Any) -> bool:
    return any(deep_equal(needle, h) for h in haystack)


def uniq(seq: Any) -> list[Any]:
    out: list[Any] = []
    for item in _items(seq, "Cannot find uniq on type %s"):
        if not _contains(out, item):
            out.append(item)
    return out


def without(seq: Any, *omit: Any) -> list[Any]:
    items = _items(seq, "Cannot find without on type %s")
    return [v for v in items if not _contains(list(omit), v)]


def has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return _contains(_items(haystack, "Cannot find has on type %s"), needle)


def slice_(seq: Any, *indices: Any) -> Any:
    """``reflect.Value.Slice``: keeps the slice's Go type; an empty slice gives nil."""
    items = _items(seq, "list should be type of slice or array but %s")
    if not items:
        return None
    start = to_int64(indices[0]) if indices else 0
    end = to_int64(indices[1]) if len(indices) > 1 else len(items)
    if start < 0 or end < start or end > len(items):
        raise FuncError("reflect.Value.Slice: slice index out of bounds")
    if isinstance(seq, bytes):
        return seq[start:end]
    return type(seq)(seq[start:end]) if isinstance(seq, list) else list(seq[start:end])


def concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for seq in lists:
        out.extend(_items(seq, "Cannot concat type %s as list"))
    return out or NilSlice()  # sprig appends to a nil slice


def chunk(size: int, seq: Any) -> SliceOfSlices:
    items = _items(seq, "Cannot chunk type %s")
    if size <= 0:
        # Go computes the chunk count through a float division by a non-positive size.
        raise FuncError("runtime error: makeslice: len out of range")
    count = math.floor((len(items) - 1) / size) + 1
    return SliceOfSlices(items[i * size : (i + 1) * size] for i in range(count))


def register(funcs: FuncMap) -> None:
    r = funcs.register
    anyv = "interface {}"
    r("list", variadic=anyv, result="[]interface {}")(list_)
    r("tuple", variadic=anyv, result="[]interface {}")(list_)
    one_arg: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("first", first),
        ("last", last),
        ("rest", rest),
        ("initial", initial),
        ("reverse", reverse),
        ("compact", compact),
        ("uniq", uniq),
    )
    for name, fn in one_arg:
        result = anyv if name in ("first", "last") else "[]interface {}"
        r(name, anyv, result=result)(fn)
        r("must" + name[0].upper() + name[1:], anyv, result=result, returns_error=True)(fn)
    for name in ("push", "append"):
        r(name, anyv, anyv, result="[]interface {}")(push)
    for name in ("mustPush", "mustAppend"):
        r(name, anyv, anyv, result="[]interface {}", returns_error=True)(push)
    r("prepend", anyv, anyv, result="[]interface {}")(prepend)
    r("mustPrepend", anyv, anyv, result="[]interface {}", returns_error=True)(prepend)
    r("without", anyv, variadic=anyv, result="[]interface {}")(without)
    r("mustWithout", anyv, variadic=anyv, result="[]interface {}", returns_error=True)(without)
    r("has", anyv, anyv, result="bool")(has)
    r("mustHas", anyv, anyv, result="bool", returns_error=True)(has)
    r("slice", anyv, variadic=anyv)(slice_)
    r("mustSlice", anyv, variadic=anyv, returns_error=True)(slice_)
    r("concat", variadic=anyv)(concat)
    r("chunk", "int", anyv, result="[][]interface {}")(chunk)
    r("mustChunk", "int", anyv, result="[][]interface {}", returns_error=True)(chunk)
