"""Sprig's case conversions: ``snakecase``/``kebabcase``/``camelcase`` (huandu/xstrings
v1.5) and ``swapcase``/``initials`` (Masterminds/goutils v1.1).

These are word splitters with many small rules ("HTTPServer" is "HTTP" + "Server", a number
after a word sticks to it, "Bld4Floor" is "bld4_floor"); users' Secret keys depend on every
rule, so the algorithms are restated step by step rather than approximated with a regex.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from eso.template.functions._gostr import (
    go_bytes,
    is_lower,
    is_number,
    is_punct,
    is_space,
    is_title,
    is_upper,
    to_lower,
    to_title,
    to_upper,
)
from eso.template.functions.registry import FuncMap

__all__ = ["register"]


class _Word(IntEnum):
    INVALID = 0
    NUMBER = 1
    UPPER = 2
    ALPHA = 3
    CONNECTOR = 4
    PUNCT = 5
    OTHER = 6


def _is_connector(ch: str) -> bool:
    return ch in "-_" or is_space(ch)


def _is_alpha(ch: str) -> bool:
    return "a" <= ch <= "z" or "A" <= ch <= "Z"


def _run(s: str, i: int, pred: Callable[[str], bool]) -> int:
    while i < len(s) and pred(s[i]):
        i += 1
    return i


def _next_word(s: str, i: int) -> tuple[_Word, int]:
    """The type of the word starting at ``s[i]`` and where it ends (xstrings ``nextWord``)."""
    ch = s[i]
    if _is_connector(ch):
        return _Word.CONNECTOR, _run(s, i + 1, _is_connector)
    if is_punct(ch):
        return _Word.PUNCT, _run(s, i + 1, is_punct)
    if is_upper(ch):
        return _Word.UPPER, _upper_word_end(s, i + 1)
    if _is_alpha(ch):
        return _Word.ALPHA, _run(s, i + 1, _lower_alpha)
    if is_number(ch):
        return _Word.NUMBER, _run(s, i + 1, is_number)
    return _Word.OTHER, _run(s, i + 1, _other)


def _lower_alpha(ch: str) -> bool:
    return _is_alpha(ch) and not is_upper(ch)


def _other(ch: str) -> bool:
    return not (_is_connector(ch) or _is_alpha(ch) or is_number(ch) or is_punct(ch))


def _upper_word_end(s: str, j: int) -> int:
    if j >= len(s):
        return j
    if is_upper(s[j]):
        end = _run(s, j, is_upper)
        # "HTTPStatus" is "HTTP" + "Status": the last capital starts the next word.
        if end < len(s) and _is_alpha(s[end]):
            end -= 1
        return end
    if _is_alpha(s[j]):
        return _run(s, j, _lower_alpha)
    return j


def _words(s: str) -> list[tuple[_Word, str]]:
    out: list[tuple[_Word, str]] = []
    i = 0
    while i < len(s):
        kind, end = _next_word(s, i)
        out.append((kind, s[i:end]))
        i = end
    return out


def _lower_word(kind: _Word, word: str, sep: str) -> str:
    if kind not in (_Word.UPPER, _Word.CONNECTOR):
        return word
    return "".join(sep if _is_connector(c) else to_lower(c) for c in word)


def _delimited(s: str, sep: str) -> str:
    """xstrings ``camelCaseToLowerCase``."""
    words = _words(s)
    if not words:
        return ""
    out: list[str] = []
    wi = 0
    kind, word = words[0]

    def advance() -> tuple[_Word, str]:
        nonlocal wi
        wi += 1
        return words[wi] if wi < len(words) else (_Word.INVALID, "")

    def open_word(k: _Word) -> bool:
        return k not in (_Word.INVALID, _Word.PUNCT, _Word.CONNECTOR)

    while wi < len(words) - 1:
        if kind != _Word.CONNECTOR:
            out.append(_lower_word(kind, word, sep))
        prev, last = kind, word
        kind, word = advance()
        if prev == _Word.NUMBER:
            while kind in (_Word.ALPHA, _Word.NUMBER):
                out.append(_lower_word(kind, word, sep))
                kind, word = advance()
            if open_word(kind):
                out.append(sep)
        elif prev == _Word.CONNECTOR:
            out.append(_lower_word(prev, last, sep))
        elif prev == _Word.PUNCT:
            pass
        elif kind != _Word.NUMBER:
            if open_word(kind):
                out.append(sep)
        elif wi < len(words) - 1:
            num = word
            kind, word = advance()
            if kind != _Word.ALPHA:
                out.append(num)
                if kind not in (_Word.CONNECTOR, _Word.PUNCT):
                    out.append(sep)
            else:
                # "HTTP2xx" is "http_2xx": lower-case letters after a number join it.
                out.extend((sep, num))
                while kind in (_Word.ALPHA, _Word.NUMBER):
                    out.append(_lower_word(kind, word, sep))
                    kind, word = advance()
                if open_word(kind):
                    out.append(sep)
    out.append(_lower_word(kind, word, sep))
    return "".join(out)


def snakecase(s: str) -> str:
    return _delimited(s, "_")


def kebabcase(s: str) -> str:
    return _delimited(s, "-")


def camelcase(s: str) -> str:
    """xstrings ``ToPascalCase``: drop single connectors, upper-case what follows them."""
    i = 0
    out: list[str] = []
    while i < len(s) and _is_connector(s[i]):
        out.append(s[i])
        i += 1
    if i == len(s):
        # xstrings writes the last rune once more here, so "_" becomes "__".
        return "".join(out) + s[-1:]
    first_upper = is_upper(s[i])
    r0 = to_upper(s[i])
    for ch in s[i + 1 :]:
        r1, r0 = r0, ch
        if _is_connector(r0) and _is_connector(r1):
            out.append(r1)
            continue
        if _is_connector(r1):
            first_upper = is_upper(r0)
            r0 = to_upper(r0)
        else:
            if first_upper:
                if is_upper(r0):
                    r0 = to_lower(r0)
                else:
                    first_upper = False
            out.append(r1)
    out.append(r0)
    return "".join(out)


def swapcase(s: str) -> str:
    """goutils ``SwapCase``: a lower-case rune starting a word becomes title case."""
    out = []
    at_space = True
    for ch in s:
        if is_upper(ch) or is_title(ch):
            ch = to_lower(ch)
            at_space = False
        elif is_lower(ch):
            ch = to_title(ch) if at_space else to_upper(ch)
            at_space = False
        else:
            at_space = is_space(ch)
        out.append(ch)
    return "".join(out)


def initials(s: str) -> str:
    """goutils ``Initials``; it walks *bytes* as runes, so non-ASCII initials come out as
    their first byte's Latin-1 character, as in Go."""
    out = []
    gap = True
    for byte in go_bytes(s):
        ch = chr(byte)
        if is_space(ch):
            gap = True
        elif gap:
            out.append(ch)
            gap = False
    return "".join(out)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("snakecase", "string", result="string")(snakecase)
    r("kebabcase", "string", result="string")(kebabcase)
    r("camelcase", "string", result="string")(camelcase)
    r("swapcase", "string", result="string")(swapcase)
    r("initials", "string", result="string")(initials)
