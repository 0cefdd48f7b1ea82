"""The builtin functions every template has (Go's ``funcs.go``), declared like user functions.

Each builtin is a ``Func`` with Go's signature, so arity errors read exactly like Go's
("wrong number of args for len: want 1 got 0"); parameters Go declares as ``reflect.Value``
take any value unconverted (``MISSING`` included). ``and``, ``or`` and ``call`` are evaluated
by the executor itself (short-circuiting needs the unevaluated arguments); their entries here
carry only the signature.
"""

from __future__ import annotations

import functools
import urllib.parse
from typing import Any

from eso.template import compare
from eso.template.args import REFLECT
from eso.template.functions.registry import Func, FuncError, FuncMap
from eso.template.gofmt import sprint, sprintf, sprintln
from eso.template.gostrconv import is_print
from eso.template.missing import MISSING, Iface
from eso.template.truth import is_true
from eso.template.values import StringMap, Uint8, go_kind, go_type_name

__all__ = ["REFLECT", "IndexValueError", "builtin_funcs"]


class IndexValueError(FuncError):
    """An index or slice bound is out of range. Go's message quotes the numbers; ``redacted``
    does not, for when they came from the data rather than the template text. ``positions``
    are the offending arguments among the indexes (0 is the first index)."""

    def __init__(self, message: str, *, redacted: str, positions: tuple[int, ...]) -> None:
        super().__init__(message)
        self.redacted = redacted
        self.positions = positions


def _index_arg(index: Any, *, cap: int, pos: int) -> int:
    if isinstance(index, Iface):
        raise FuncError("cannot index slice/array with type interface {}")
    if index is MISSING:
        raise FuncError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise FuncError(f"cannot index slice/array with type {go_type_name(index)}")
    if index < 0 or index > cap:
        msg = f"index out of range: {index}"
        raise IndexValueError(msg, redacted="index out of range", positions=(pos,))
    return int(index)


def _index_one(item: Any, *, index: Any, pos: int) -> Any:
    if item is None:
        raise FuncError("index of nil pointer")
    if isinstance(item, str | bytes | list):
        raw = item.encode("utf-8", "surrogateescape") if isinstance(item, str) else item
        x = _index_arg(index, cap=len(raw), pos=pos)
        if x == len(raw):
            what = "string" if isinstance(item, str) else "slice"
            raise FuncError(f"reflect: {what} index out of range")
        return Uint8(raw[x]) if isinstance(raw, bytes) else raw[x]
    if isinstance(item, dict) and go_kind(item) != "struct":
        if index is MISSING:
            raise FuncError("value is nil; should be of type string")
        if not isinstance(index, str):
            raise FuncError(f"value has type {go_type_name(index)}; should be string")
        if index in item:
            return item[index]
        return "" if isinstance(item, StringMap) else None
    raise FuncError(f"can't index item of type {go_type_name(item)}")


def index(item: Any, *indexes: Any) -> Any:
    """``index x 1 2``: ``x[1][2]``; a missing map key gives the element's zero value."""
    item = compare.indirect(item)
    if item is MISSING:
        raise FuncError("index of untyped nil")
    for pos, i in enumerate(indexes):
        item = _index_one(item, index=compare.indirect(i), pos=pos)
    return item


_INVERTED = "invalid slice index: a bound exceeds the next one"


def slice_(item: Any, *indexes: Any) -> Any:
    """``slice x 1 2``: ``x[1:2]`` (strings by byte, like Go)."""
    item = compare.indirect(item)
    if item is MISSING:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        raw: Any = item.encode("utf-8", "surrogateescape")
    elif isinstance(item, list | bytes):
        raw = item
    else:
        raise FuncError(f"can't slice item of type {go_type_name(item)}")
    idx = [0, len(raw), len(raw)]
    for i, x in enumerate(indexes):
        idx[i] = _index_arg(x, cap=len(raw), pos=i)
    if idx[0] > idx[1]:
        msg = f"invalid slice index: {idx[0]} > {idx[1]}"
        raise IndexValueError(msg, redacted=_INVERTED, positions=(0, 1))
    if len(indexes) == 3 and idx[1] > idx[2]:
        msg = f"invalid slice index: {idx[1]} > {idx[2]}"
        raise IndexValueError(msg, redacted=_INVERTED, positions=(1, 2))
    part = raw[idx[0] : idx[1]]
    if isinstance(item, str):
        return part.decode("utf-8", "surrogateescape")
    return type(item)(part) if isinstance(item, list) else part


def length(item: Any) -> int:
    """``len``: bytes of a string, items of a list or map."""
    if item is None:
        raise FuncError("len of nil pointer")
    if item is MISSING:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return len(item.encode("utf-8", "surrogateescape"))
    if isinstance(item, bytes | list) or (isinstance(item, dict) and go_kind(item) != "struct"):
        return len(item)
    raise FuncError(f"len of type {go_type_name(item)}")


def not_(arg: Any) -> bool:
    return not is_true(compare.indirect(arg))[0]


def _eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(*("<no value>" if a is None else a for a in args))


_HTML = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026"}
_JS["="] = "\\u003D"


def html(*args: Any) -> str:
    return "".join(_HTML.get(c, c) for c in _eval_args(args))


def _js_char(c: str) -> str:
    if c in _JS:
        return _JS[c]
    if c < " ":
        return f"\\u00{ord(c):02X}"
    if c < "\x80" or is_print(c):
        return c
    return f"\\u{ord(c):04X}"


def js(*args: Any) -> str:
    return "".join(_js_char(c) for c in _eval_args(args))


def urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_eval_args(args).encode("utf-8", "surrogateescape"), safe="")


def _unreachable(*args: Any) -> Any:
    raise FuncError("internal error: evaluated by the executor")


@functools.cache
def builtin_funcs() -> FuncMap:
    """The builtins, built once per process: the map is never mutated after this (the engine
    only looks names up), and rebuilding it cost a fifth of every parse."""
    fm = FuncMap()
    fm.add(Func("and", _unreachable, (REFLECT,), REFLECT))
    fm.add(Func("or", _unreachable, (REFLECT,), REFLECT))
    fm.add(Func("call", _unreachable, (REFLECT,), REFLECT))
    fm.add(Func("not", not_, (REFLECT,), result="bool"))
    fm.add(Func("index", index, (REFLECT,), REFLECT, returns_error=True))
    fm.add(Func("slice", slice_, (REFLECT,), REFLECT, returns_error=True))
    fm.add(Func("len", length, (REFLECT,), result="int", returns_error=True))
    for name, fn in (("html", html), ("js", js), ("urlquery", urlquery)):
        fm.add(Func(name, fn, (), "interface {}", result="string"))
    fm.add(Func("print", sprint, (), "interface {}", result="string"))
    fm.add(Func("println", sprintln, (), "interface {}", result="string"))
    fm.add(Func("printf", sprintf, ("string",), "interface {}", result="string"))
    fm.add(Func("eq", compare.eq, (REFLECT,), REFLECT, result="bool", returns_error=True))
    for cmp_name, cmp in (
        ("ne", compare.ne),
        ("lt", compare.lt),
        ("le", compare.le),
        ("gt", compare.gt),
        ("ge", compare.ge),
    ):
        fm.add(Func(cmp_name, cmp, (REFLECT, REFLECT), result="bool", returns_error=True))
    return fm
