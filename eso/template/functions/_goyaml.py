"""The parts of go-yaml v2 (sigs.k8s.io/yaml's backend) that decide what ESO's YAML looks like.

``resolve`` is yaml.v2's plain-scalar resolution: which unquoted strings read back as null,
bool (YAML 1.1: ``y``, ``on``, ``off``...), int (Go's ``ParseInt`` base 0: ``0x``, ``0o``,
``0b``, leading-zero octal, ``_`` ignored), float or timestamp. Writing uses it to quote a
string that would not read back as itself; reading uses it to type plain scalars (timestamps
stay strings, as yaml.v2 keeps them for ``interface{}``). ``key_order`` is yaml.v2's map key
sort (digit runs compare numerically); ``format_float`` its ``FormatFloat(f, 'g', -1, 64)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import Decimal
from typing import Any

__all__ = ["STR", "format_float", "is_base60_float", "key_order", "resolve"]


class _Str:
    """Marker: the scalar resolves to a string (distinct from the ``None`` of null)."""


STR = _Str()
_BOOLS = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"], True),
    **dict.fromkeys(["true", "True", "TRUE"], True),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "off", "Off", "OFF"], False),
    **dict.fromkeys(["false", "False", "FALSE"], False),
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {
    **dict.fromkeys([".nan", ".NaN", ".NAN"], math.nan),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?"
)
_DIGITS = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_INT64 = 1 << 63


def _go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, or ``ParseUint`` when it overflows; None if neither."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    base = _DIGITS.get(body[:2], 8 if len(body) > 1 and body[0] == "0" else 10)
    digits = body[2:] if body[:2] in _DIGITS else body
    if not digits or not all(
        c in "0123456789abcdefABCDEF"[: base if base <= 10 else 22] for c in digits
    ):
        return None
    value = -int(digits, base) if sign == "-" else int(digits, base)
    if -_INT64 <= value < _INT64 or (not sign and value < 1 << 64):
        return value
    return None


def _is_timestamp(text: str) -> bool:
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) for g in match.groups()[:3])
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def is_base60_float(text: str) -> bool:
    return ":" in text and _BASE60_FLOAT.fullmatch(text) is not None


def _numeric(text: str) -> Any:
    if _is_timestamp(text):
        return dt.datetime  # a timestamp; callers only test for "not a string"
    plain = text.replace("_", "")
    value = _go_parse_int(plain)
    if value is not None:
        return value
    if _YAML_FLOAT.fullmatch(plain):
        return float(plain)
    return STR


def resolve(text: str) -> Any:
    """What yaml.v2 makes of plain scalar ``text``: None, bool, int, float, or ``STR``.

    A timestamp resolves to the ``datetime.datetime`` class (yaml.v2 would not keep it as a
    string when writing); readers treat it as the string it is for ``interface{}``.
    """
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    # "<<" is a string here: yaml.v2 spots a merge key by its text, not by resolution, and
    # writes it unquoted
    first = text[0]
    if first == ".":
        try:
            return float(text)
        except ValueError:
            return STR
    if first in "+-0123456789":
        return _numeric(text)
    return STR


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 64)`` with yaml.v2's ``.inf``/``.nan``."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    exp = exponent + len(text) - 1  # type: ignore[operator]
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:  # Go uses precision 6 for this choice when printing shortest
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp >= len(text) - 1:
        return prefix + text + "0" * (exp - len(text) + 1)
    if exp >= 0:
        return f"{prefix}{text[: exp + 1]}.{text[exp + 1 :]}"
    return f"{prefix}0.{'0' * (-exp - 1)}{text}"


def _run(text: str, start: int) -> tuple[int, int]:
    """The digit run of ``text`` at ``start``: its numeric value and where it ends."""
    end = start
    while end < len(text) and text[end].isdecimal():
        end += 1
    return (int(text[start:end]) if end > start else 0), end


def _compare(a: str, b: str) -> int:
    for i, (ca, cb) in enumerate(zip(a, b, strict=False)):
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return -1 if ca < cb else 1
        if al or bl:
            return 1 if al else -1
        an, ai = _run(a, i)
        bn, bi = _run(b, i)
        if (ca == "0" or cb == "0") and any(c != "0" for c in _digits_before(a, i)):
            an, bn = _run("1" + a[i:ai], 0)[0], _run("1" + b[i:bi], 0)[0]
        if an != bn:
            return -1 if an < bn else 1
        if ai != bi:
            return -1 if ai < bi else 1
        return -1 if ca < cb else 1
    return (len(a) > len(b)) - (len(a) < len(b))


def _digits_before(text: str, i: int) -> str:
    j = i
    while j > 0 and text[j - 1].isdecimal():
        j -= 1
    return text[j:i]


key_order = functools.cmp_to_key(_compare)
"""Sort key giving yaml.v2's order of string map keys (``keyList.Less``)."""
