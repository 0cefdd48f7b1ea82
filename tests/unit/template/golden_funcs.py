"""Python twins of the Go test functions in ``tests/golden/gotemplate/main.go``.

Same names and Go signatures, so golden cases exercise argument conversion, arity checks and
error wrapping exactly as Go saw them.
"""

from __future__ import annotations

import datetime as _dt
import re
import struct
from typing import Any

from eso.template.functions.registry import FuncError, FuncMap
from eso.template.gofmt import sprint
from eso.template.values import (
    Duration,
    Float32,
    Int32,
    Int64,
    StringMap,
    StringSlice,
    Uint8,
    Uint64,
    go_type_name,
)


def _repeat(n: int, s: str) -> str:
    if n < 0:
        raise FuncError("strings: negative Repeat count")  # Go panics; the engine reports it
    if len(s) * n >= 1 << 63:
        raise FuncError("strings: Repeat output length overflow")
    return s * n


def _fail(s: str) -> str:
    raise FuncError("failed on purpose")


def _fail_int() -> int:
    raise FuncError("no number today")


def _atoi(s: str) -> int:
    """Go's ``strconv.Atoi`` is strict (no spaces); a failure gives 0 here."""
    return int(s) if re.fullmatch(r"[+-]?[0-9]+", s) else 0


def _add64(a: int, b: int) -> Int64:
    total = (a + b + (1 << 63)) % (1 << 64) - (1 << 63)
    return Int64(total)


def _f32(f: float) -> Float32:
    return Float32(struct.unpack("f", struct.pack("f", f))[0])


def _dict(*kv: Any) -> dict[str, Any]:
    return {sprint(kv[i]): kv[i + 1] for i in range(0, len(kv) - 1, 2)}


def golden_funcs() -> FuncMap:
    """The FuncMap ``main.go`` gives Go's templates."""
    fm = FuncMap()
    reg = fm.register
    reg("repeatN", "int", "string", result="string")(_repeat)
    reg("joinS", "string", variadic="string", result="string")(lambda sep, *p: sep.join(p))
    reg("fail", "string", result="string", returns_error=True)(_fail)
    reg("failInt", result="int", returns_error=True)(_fail_int)
    reg("add64", "int64", "int64", result="int64")(_add64)
    reg("typeOf", "interface {}", result="string")(go_type_name)
    reg("double", "float64", result="float64")(lambda f: f * 2)
    reg("strs", variadic="string", result="[]string")(lambda *s: StringSlice(s))
    reg("u8", "uint8", result="uint8")(lambda b: Uint8((b + 1) & 0xFF))
    reg("neg", "bool", result="bool")(lambda b: not b)
    reg("atoi", "string", result="int")(_atoi)
    reg("nilfn", result="interface {}")(lambda: None)
    reg("list", variadic="interface {}", result="[]interface {}")(lambda *v: list(v))
    reg("dict", variadic="interface {}", result="map[string]interface {}")(_dict)
    reg("upper", "string", result="string")(str.upper)
    reg("strmap", result="map[string]string")(lambda: StringMap(k="v", a="b"))
    reg("takesMap", "map[string]string", result="int")(len)
    reg("dur", "int64", result="time.Duration")(Duration)
    reg("f32", "float64", result="float32")(_f32)
    reg("bytesOf", "string", result="[]uint8")(lambda s: s.encode("utf-8"))
    reg("i32", "int32", result="int32")(Int32)
    reg("u64", "uint64", result="uint64")(Uint64)
    reg("takesAny", "[]interface {}", result="int")(len)
    reg("epoch", "int64", result="time.Time")(lambda n: _dt.datetime.fromtimestamp(n, _dt.UTC))
    reg("epochMs", "int64", result="time.Time")(
        lambda n: _dt.datetime.fromtimestamp(n / 1000, _dt.UTC)
    )
    return fm
