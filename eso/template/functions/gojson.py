"""Go's ``encoding/json`` output for the template value model (sprig's ``toJson`` family)
and its decoding (``fromJson``).

Secrets rendered with ``toJson`` must be byte-identical to ESO's, so this restates Go's
encoder rather than tuning ``json.dumps``: map keys sorted, ``<``/``>``/``&`` escaped as
``\\u003c``... unless HTML escaping is off (``toRawJson``), U+2028/U+2029 always escaped,
``\\b``/``\\f`` short escapes (Go >= 1.22), floats in Go's format (``1e+21``, ``1e-7``,
``0.000001``), ``[]byte`` as base64, ``time.Time`` as RFC 3339 with nanoseconds, and
``MarshalIndent``'s layout (``[]``/``{}`` stay compact). Decoding yields Go's
``interface {}`` shapes: every number is a ``float64``.

Error messages name types and offsets, never the offending text (it may be a secret).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
from typing import Any

from eso.template.functions._govalue import format_float
from eso.template.golayout import format_time
from eso.template.values import Float32, go_type_name, is_nil_slice

__all__ = ["JSONError", "decode", "encode"]


class JSONError(ValueError):
    """What Go's ``json.Marshal``/``json.Unmarshal`` would return as an error."""


_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _string(text: str, *, html: bool) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif code < 0x20 or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        elif html and ch in _HTML:
            out.append(_HTML[ch])
        elif 0xD800 <= code <= 0xDFFF:  # invalid UTF-8 (or a lone surrogate)
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _float(value: float, *, bits: int) -> str:
    if math.isnan(value) or math.isinf(value):
        raise JSONError(f"json: unsupported value: {format_float(value)}")
    mag = abs(value)
    fmt = "e" if mag != 0 and (mag < 1e-6 or mag >= 1e21) else "f"
    text = format_float(value, fmt=fmt, bits=bits)
    if fmt == "e" and len(text) >= 4 and text[-4:-1] in ("e-0",):
        text = text[:-2] + text[-1]
    return text


def _time(value: _dt.datetime) -> str:
    if not 0 <= value.year <= 9999:
        raise JSONError(
            "json: error calling MarshalJSON for type time.Time: year outside of range [0,9999]"
        )
    return '"' + format_time(value, "2006-01-02T15:04:05.999999999Z07:00") + '"'


def _scalar(value: Any, *, html: bool) -> str | None:
    if value is None or is_nil_slice(value):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value, bits=32 if isinstance(value, Float32) else 64)
    if isinstance(value, str):
        return _string(value, html=html)
    if isinstance(value, bytes):
        return '"' + base64.b64encode(value).decode() + '"'
    if isinstance(value, _dt.datetime):
        return _time(value)
    marshal = getattr(value, "marshal_json", None)
    if callable(marshal):
        return _string(str(marshal()), html=html)
    return None


def _encode(value: Any, *, html: bool, indent: str | None, depth: int) -> str:
    scalar = _scalar(value, html=html)
    if scalar is not None:
        return scalar
    if isinstance(value, list | tuple):
        items = [_encode(v, html=html, indent=indent, depth=depth + 1) for v in value]
        return _wrap("[", items, "]", indent=indent, depth=depth)
    if isinstance(value, dict):
        sep = ": " if indent is not None else ":"
        items = [
            _string(str(k), html=html) + sep + _encode(v, html=html, indent=indent, depth=depth + 1)
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        ]
        return _wrap("{", items, "}", indent=indent, depth=depth)
    raise JSONError(f"json: unsupported type: {go_type_name(value)}")


def _wrap(open_: str, items: list[str], close: str, *, indent: str | None, depth: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    inner = "\n" + indent * (depth + 1)
    return open_ + inner + ("," + inner).join(items) + "\n" + indent * depth + close


def encode(value: Any, *, html: bool = True, indent: str | None = None) -> str:
    """``json.Marshal`` (``indent`` set: ``json.MarshalIndent(v, "", indent)``)."""
    return _encode(value, html=html, indent=indent, depth=0)


def _reject_constant(name: str) -> Any:
    raise JSONError("invalid character looking for beginning of value")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JSONError("json: cannot unmarshal number into Go value of type float64")
    return value


def decode(text: str) -> Any:
    """``json.Unmarshal`` into ``interface {}``."""
    try:
        return json.loads(
            text, parse_float=_parse_float, parse_int=_parse_float, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as e:
        if e.pos >= len(text.rstrip()):
            raise JSONError("unexpected end of JSON input") from None
        raise JSONError(f"invalid JSON at offset {e.pos}") from None
