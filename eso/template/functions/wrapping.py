"""Sprig's ``wrap``/``wrapWith``/``abbrev``/``abbrevboth``/``nospace`` (Masterminds/goutils).

goutils measures and cuts Go strings, i.e. bytes: ``abbrev 5`` keeps 2 *bytes* and "...".
These functions therefore work on the UTF-8 bytes and turn the result back into text with
``go_string`` (a cut inside a multi-byte character survives as the same bytes Go writes).
"""

from __future__ import annotations

from eso.template.functions._gostr import go_bytes, go_string, is_space
from eso.template.functions._limits import check_output
from eso.template.functions.registry import FuncMap

__all__ = ["register"]

_MARKER = b"..."


def _abbreviate(data: bytes, *, offset: int, width: int) -> bytes:
    """goutils ``AbbreviateFull`` (callers guarantee the widths it would reject)."""
    if not data or len(data) <= width:
        return data
    offset = min(offset, len(data))
    if len(data) - offset < width - 3:
        offset = len(data) - (width - 3)
    if offset <= 4:
        return data[: width - 3] + _MARKER
    if offset + width - 3 < len(data):
        return _MARKER + _abbreviate(data[offset:], offset=0, width=width - 3)
    return _MARKER + data[len(data) - (width - 3) :]


def abbrev(width: int, s: str) -> str:
    if width < 4:
        return s
    return go_string(_abbreviate(go_bytes(s), offset=0, width=width))


def abbrevboth(left: int, right: int, s: str) -> str:
    if right < 4 or (left > 0 and right < 7):
        return s
    return go_string(_abbreviate(go_bytes(s), offset=left, width=right))


def _wrap(data: bytes, width: int, sep: bytes, *, long_words: bool, func: str) -> bytes:
    """goutils ``WrapCustom``: break at the last space within ``width`` bytes."""
    width = max(width, 1)
    out: list[bytes] = []
    offset = 0
    while len(data) - offset > width:
        check_output(offset + len(sep) * len(out), func=func)
        if data[offset] == 0x20:
            offset += 1
            continue
        space = data.rfind(b" ", offset, width + offset + 1)
        if space >= offset:
            out += (data[offset:space], sep)
            offset = space + 1
        elif long_words:
            out += (data[offset : offset + width], sep)
            offset += width
        else:
            space = data.find(b" ", width + offset)
            if space < 0:
                out.append(data[offset:])
                offset = len(data)
            else:
                out += (data[offset:space], sep)
                offset = space + 1
    out.append(data[offset:])
    return b"".join(out)


def _checked_wrap(width: int, sep: str, s: str, *, long_words: bool, func: str) -> str:
    data, sep_b = go_bytes(s), go_bytes(sep or "\n")
    return go_string(_wrap(data, width, sep_b, long_words=long_words, func=func))


def wrap(width: int, s: str) -> str:
    return _checked_wrap(width, "\n", s, long_words=False, func="wrap")


def wrap_with(width: int, sep: str, s: str) -> str:
    return _checked_wrap(width, sep, s, long_words=True, func="wrapWith")


def nospace(s: str) -> str:
    """goutils ``DeleteWhiteSpace``. It walks *bytes* as runes: when it removes anything, each
    remaining byte of a multi-byte character comes out as its Latin-1 character (and the
    bytes 0x85/0xA0, spaces in Latin-1, vanish), exactly as Go's version does."""
    data = go_bytes(s)
    kept = [b for b in data if not is_space(chr(b))]
    if len(kept) == len(data):
        return s
    return "".join(map(chr, kept))


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("abbrev", "int", "string", result="string")(abbrev)
    r("abbrevboth", "int", "int", "string", result="string")(abbrevboth)
    r("wrap", "int", "string", result="string")(wrap)
    r("wrapWith", "int", "string", "string", result="string")(wrap_with)
    r("nospace", "string", result="string")(nospace)
