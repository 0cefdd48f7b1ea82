"""Escapes and character classes of Go's ``regexp/syntax``, checked and written as RE2 text.

Go and RE2 share the class grammar (``\\d``, ``\\pL``, ``[[:alpha:]]``, ranges), but RE2
reads some text Go refuses and words its errors differently. So every escape and class is
parsed here by Go's rules, with Go's error texts, and handed on as a normalised RE2 fragment:
a rune is ``\\x{2d}`` (ASCII letters and digits stay themselves), a Perl, POSIX or Unicode
class keeps its name. Keeping names rather than expanding ranges is what lets RE2 case-fold a
class exactly as Go does, folding before negating: ``(?i)[^k]`` excludes the Kelvin sign and
``(?i)\\W`` matches neither ``k`` nor ``K``.
"""

from __future__ import annotations

from eso.template.re2_errors import (
    ERR_INVALID_CHAR_RANGE,
    ERR_INVALID_ESCAPE,
    ERR_INVALID_UTF8,
    ERR_MISSING_BRACKET,
    ERR_TRAILING_BACKSLASH,
    ERR_UNSUPPORTED_SCRIPT,
    RegexpError,
)
from eso.template.re2_tables import OTHER_SCRIPTS, PERL_CLASSES, POSIX_CLASSES, unicode_name_known

__all__ = ["check_rune", "class_escape", "escape", "parse_class", "rune_text"]

MAX_RUNE = 0x10FFFF
_HEX = frozenset("0123456789abcdefABCDEF")
_SIMPLE = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def check_rune(t: str) -> None:
    """Refuse the rune at ``t`` if it stands for an invalid UTF-8 byte (surrogateescape)."""
    if t and 0xDC80 <= ord(t[0]) <= 0xDCFF:
        raise RegexpError(ERR_INVALID_UTF8, t)


def rune_text(cp: int) -> str:
    """The rune ``cp`` as RE2 pattern text that means that rune and nothing else."""
    ch = chr(cp)
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{cp:x}}}"


def class_escape(t: str) -> tuple[str, str] | None:
    """``\\pX``/``\\p{Name}`` or ``\\d``-style escape at ``t``: its RE2 fragment and the rest."""
    if len(t) >= 2 and t[1] in "pP":
        return _unicode_class(t)
    if len(t) >= 2 and t[1] in PERL_CLASSES:
        return t[:2], t[2:]
    return None


def _unicode_class(s: str) -> tuple[str, str]:
    negate = s[1] == "P"
    if s[2:3] == "{":
        end = s.find("}")
        if end < 0:
            raise RegexpError(ERR_INVALID_CHAR_RANGE, s)
        seq, rest, name = s[: end + 1], s[end + 1 :], s[3:end]
    else:
        seq, rest, name = s[:3], s[3:], s[2:3]
    if name.startswith("^"):
        negate, name = not negate, name[1:]
    if not unicode_name_known(name):
        code = ERR_UNSUPPORTED_SCRIPT if name in OTHER_SCRIPTS else ERR_INVALID_CHAR_RANGE
        raise RegexpError(code, seq)
    return f"\\{'P' if negate else 'p'}{{{name}}}", rest


def escape(s: str) -> tuple[str, str]:
    """Go's ``parseEscape``: the one rune escaped at ``s`` and the rest."""
    t = s[1:]
    if not t:
        raise RegexpError(ERR_TRAILING_BACKSLASH, "")
    c, t = t[0], t[1:]
    if c.isascii() and not c.isalnum():
        return c, t
    if c == "0" or (c in "1234567" and t[:1] and t[0] in "01234567"):
        # Octal; a lone \1-\7 would be a backreference, which RE2 lacks.
        digits = c
        while len(digits) < 3 and t[:1] and t[0] in "01234567":
            digits, t = digits + t[0], t[1:]
        return chr(int(digits, 8)), t
    if c in _SIMPLE:
        return _SIMPLE[c], t
    if c == "x" and t:
        found = _hex_escape(t)
        if isinstance(found, tuple):
            return found
        t = found
    raise RegexpError(ERR_INVALID_ESCAPE, s[: len(s) - len(t)])


def _hex_escape(t: str) -> tuple[str, str] | str:
    """After ``\\x``: the rune and rest, or the rest at which Go gave up."""
    if t[0] != "{":
        if len(t) >= 2 and all(ch in _HEX for ch in t[:2]):
            return chr(int(t[:2], 16)), t[2:]
        return t[2:] if len(t) >= 2 else ""
    value, n, t = 0, 0, t[1:]
    while t:
        ch, t = t[0], t[1:]
        if ch == "}":
            return (chr(value), t) if n else t
        if ch not in _HEX:
            return t
        value = value * 16 + int(ch, 16)
        n += 1
        if value > MAX_RUNE:
            return t
    return t


def parse_class(s: str) -> tuple[list[str], bool, str]:
    """Go's ``parseClass`` at ``[``: the items as RE2 fragments, whether negated, the rest."""
    t = s[1:]
    negate = t.startswith("^")
    if negate:
        t = t[1:]
    items: list[str] = []
    first = True
    while not t or t[0] != "]" or first:
        first = False
        item, t = _class_item(t, s)
        items.append(item)
    return items, negate, t[1:]


def _class_item(t: str, whole: str) -> tuple[str, str]:
    """One item of a bracketed class: a POSIX class, a class escape or a rune range."""
    if t.startswith("[:"):
        found = _posix_class(t)
        if found is not None:
            return found
    if t.startswith("\\") and len(t) >= 2 and (t[1] in "pP" or t[1] in PERL_CLASSES):
        cls = class_escape(t)
        assert cls is not None
        return cls
    rng = t
    lo, t = _class_char(t, whole)
    hi = lo
    if len(t) >= 2 and t[0] == "-" and t[1] != "]":
        hi, t = _class_char(t[1:], whole)
        if ord(hi) < ord(lo):
            raise RegexpError(ERR_INVALID_CHAR_RANGE, rng[: len(rng) - len(t)])
    if lo == hi:
        return rune_text(ord(lo)), t
    return f"{rune_text(ord(lo))}-{rune_text(ord(hi))}", t


def _posix_class(t: str) -> tuple[str, str] | None:
    end = t.find(":]", 2)
    if end < 0:
        return None
    name = t[: end + 2]
    if name[2:-2].removeprefix("^") not in POSIX_CLASSES:
        raise RegexpError(ERR_INVALID_CHAR_RANGE, name)
    return name, t[end + 2 :]


def _class_char(t: str, whole: str) -> tuple[str, str]:
    if not t:
        raise RegexpError(ERR_MISSING_BRACKET, whole)
    if t[0] == "\\":
        return escape(t)
    check_rune(t)
    return t[0], t[1:]
