"""Sprig's plain string functions: Go ``strings`` wrappers plus quoting and padding.

Every function keeps Go's argument order as sprig registers it (the string last, so it pipes:
``{{ .x | trimPrefix "a" }}``) and Go's byte semantics where sprig cuts strings (``trunc``,
``substr``): a Go string is bytes, so a cut may split a UTF-8 sequence and we keep those bytes
as they are (see ``_govalue.go_string``).
"""

from __future__ import annotations

from typing import Any

from eso.template.functions._gostr import (
    GO_SPACE,
    byte_slice,
    go_bytes,
    is_letter,
    is_space,
    to_lower,
    to_title,
    to_upper,
)
from eso.template.functions._govalue import format_v, strval
from eso.template.functions._limits import check_output
from eso.template.functions.registry import FuncError, FuncMap

__all__ = ["register"]

_SPACES = "".join(sorted(GO_SPACE))


def hello() -> str:
    return "Hello!"


def trim(s: str) -> str:
    return s.strip(_SPACES)


def upper(s: str) -> str:
    return s.upper() if s.isascii() else "".join(map(to_upper, s))


def lower(s: str) -> str:
    return s.lower() if s.isascii() else "".join(map(to_lower, s))


def _is_separator(ch: str) -> bool:
    if ch <= "\x7f":
        return not (ch.isalnum() or ch == "_")
    if is_letter(ch) or ch.isdecimal():
        return False
    return is_space(ch)


def title(s: str) -> str:
    """``strings.Title``: title-case the first rune of each word."""
    out = []
    prev = " "
    for ch in s:
        out.append(to_title(ch) if _is_separator(prev) else ch)
        prev = ch
    return "".join(out)


def untitle(s: str) -> str:
    """goutils ``Uncapitalize``: lower the first rune of each whitespace-separated word."""
    out = []
    nxt = True
    for ch in s:
        if is_space(ch):
            nxt = True
        elif nxt:
            ch = to_lower(ch)
            nxt = False
        out.append(ch)
    return "".join(out)


def substr(start: int, end: int, s: str) -> str:
    if start < 0:
        return byte_slice(s, end=end)
    if end < 0 or end > len(go_bytes(s)):
        return byte_slice(s, start=start)
    return byte_slice(s, start=start, end=end)


def trunc(count: int, s: str) -> str:
    size = len(go_bytes(s))
    if count < 0 and size + count > 0:
        return byte_slice(s, start=size + count)
    if count >= 0 and size > count:
        return byte_slice(s, end=count)
    return s


def _repeat(text: str, count: int, *, func: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    check_output(len(text) * count, func=func)
    return text * count


def repeat(count: int, s: str) -> str:
    return _repeat(s, count, func="repeat")


def trim_all(cutset: str, s: str) -> str:
    return s.strip(cutset)


def trim_suffix(suffix: str, s: str) -> str:
    return s.removesuffix(suffix)


def trim_prefix(prefix: str, s: str) -> str:
    return s.removeprefix(prefix)


def contains(sub: str, s: str) -> bool:
    return sub in s


def has_prefix(prefix: str, s: str) -> bool:
    return s.startswith(prefix)


def has_suffix(suffix: str, s: str) -> bool:
    return s.endswith(suffix)


_QUOTE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def _quote_rune(ch: str) -> str:
    if ch in _QUOTE_ESCAPES:
        return _QUOTE_ESCAPES[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an invalid UTF-8 byte (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if ch.isprintable():
        return ch
    if code < 0x80:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def go_quote(s: str) -> str:
    """``strconv.Quote`` (Go's ``%q`` of a string)."""
    return '"' + "".join(map(_quote_rune, s)) + '"'


def quote(*values: Any) -> str:
    return " ".join(go_quote(strval(v)) for v in values if v is not None)


def squote(*values: Any) -> str:
    return " ".join(f"'{format_v(v)}'" for v in values if v is not None)


def cat(*values: Any) -> str:
    return " ".join(format_v(v) for v in values if v is not None)


def indent(spaces: int, s: str) -> str:
    pad = _repeat(" ", spaces, func="indent")
    check_output(len(s) + spaces * (s.count("\n") + 1), func="indent")
    return pad + s.replace("\n", "\n" + pad)


def nindent(spaces: int, s: str) -> str:
    return "\n" + indent(spaces, s)


def replace(old: str, new: str, src: str) -> str:
    count = src.count(old) if old else len(src) + 1
    check_output(len(src) + count * len(new), func="replace")
    return src.replace(old, new)


def plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


def to_string(value: Any) -> str:
    return strval(value)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("hello", result="string")(hello)
    for name, fn in (("trim", trim), ("upper", upper), ("lower", lower), ("title", title)):
        r(name, "string", result="string")(fn)
    r("untitle", "string", result="string")(untitle)
    r("substr", "int", "int", "string", result="string")(substr)
    r("trunc", "int", "string", result="string")(trunc)
    r("repeat", "int", "string", result="string")(repeat)
    r("trimall", "string", "string", result="string")(trim_all)
    r("trimAll", "string", "string", result="string")(trim_all)
    r("trimSuffix", "string", "string", result="string")(trim_suffix)
    r("trimPrefix", "string", "string", result="string")(trim_prefix)
    r("contains", "string", "string", result="bool")(contains)
    r("hasPrefix", "string", "string", result="bool")(has_prefix)
    r("hasSuffix", "string", "string", result="bool")(has_suffix)
    r("quote", variadic="interface {}", result="string")(quote)
    r("squote", variadic="interface {}", result="string")(squote)
    r("cat", variadic="interface {}", result="string")(cat)
    r("indent", "int", "string", result="string")(indent)
    r("nindent", "int", "string", result="string")(nindent)
    r("replace", "string", "string", "string", result="string")(replace)
    r("plural", "string", "string", "int", result="string")(plural)
    r("toString", "interface {}", result="string")(to_string)
