"""Go's rune-level string helpers (``unicode`` and ``strings``) that Python spells differently.

Python's ``str.upper``/``str.strip``/``str.split`` are close to Go's but not equal: Go maps
case rune by rune with the *simple* Unicode mapping (``ß`` stays ``ß``), its ``IsSpace`` is a
fixed set (no ``\\x1c``-``\\x1f``), ``IsUpper`` means category ``Lu`` only, and Go strings are
byte strings, so ``trunc``/``substr``/``abbrev`` cut bytes, not characters. Sprig's output
depends on each of these; keeping them in one place keeps the function modules honest.
"""

from __future__ import annotations

import unicodedata

from eso.template.functions._govalue import go_bytes, go_string
from eso.template.functions.registry import FuncError

__all__ = [
    "GO_SPACE",
    "byte_slice",
    "go_bytes",
    "go_string",
    "is_letter",
    "is_lower",
    "is_number",
    "is_punct",
    "is_space",
    "is_title",
    "is_upper",
    "to_lower",
    "to_title",
    "to_upper",
]

GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
"""``unicode.IsSpace``."""

# Python's full case mapping differs from Go's simple mapping for a few code points.
_LOWER_SPECIAL = {"\u0130": "i"}


def is_space(ch: str) -> bool:
    return ch in GO_SPACE


def is_upper(ch: str) -> bool:
    return unicodedata.category(ch) == "Lu"


def is_lower(ch: str) -> bool:
    return unicodedata.category(ch) == "Ll"


def is_title(ch: str) -> bool:
    return unicodedata.category(ch) == "Lt"


def is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def is_number(ch: str) -> bool:
    return unicodedata.category(ch).startswith("N")


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def to_upper(ch: str) -> str:
    """``unicode.ToUpper`` of one rune."""
    up = ch.upper()
    return up if len(up) == 1 else ch


def to_lower(ch: str) -> str:
    """``unicode.ToLower`` of one rune."""
    if ch in _LOWER_SPECIAL:
        return _LOWER_SPECIAL[ch]
    low = ch.lower()
    return low if len(low) == 1 else ch


def to_title(ch: str) -> str:
    """``unicode.ToTitle`` of one rune."""
    tit = ch.title()
    return tit if len(tit) == 1 else to_upper(ch)


def byte_slice(text: str, *, start: int | None = None, end: int | None = None) -> str:
    """Go's ``s[start:end]`` on the bytes of ``text``, panicking like Go when out of range."""
    data = go_bytes(text)
    lo = 0 if start is None else start
    hi = len(data) if end is None else end
    if hi < 0:
        raise FuncError(f"runtime error: slice bounds out of range [:{hi}]")
    if hi > len(data):
        raise FuncError(f"runtime error: slice bounds out of range [:{hi}] with length {len(data)}")
    if lo < 0:
        raise FuncError(f"runtime error: slice bounds out of range [{lo}:]")
    if lo > hi:
        raise FuncError(f"runtime error: slice bounds out of range [{lo}:{hi}]")
    return go_string(data[lo:hi])
