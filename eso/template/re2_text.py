"""A Python string as Go's ``regexp`` sees it: UTF-8 bytes, matched rune by rune.

Go matches on bytes and reports byte offsets; its ``FindAll``/``ReplaceAll``/``Split`` loops
step over an empty match by one rune's width. RE2 also works on UTF-8 bytes, so eso encodes a
string once and runs Go's loops on byte offsets (searching a ``str`` through RE2's binding
would re-encode the whole string on every call, quadratic over a ``FindAll``).

An invalid UTF-8 byte arrives here as a ``surrogateescape`` character (U+DC80-U+DCFF). Go
reads it as U+FFFD of width one: ``.`` and ``[^a]`` match it, and it comes back unchanged in
the results. RE2 does not match invalid bytes at all, so such a string is matched as text with
U+FFFD in place of each invalid byte, and offsets are mapped back to the original bytes; other
lone surrogates (which a Go string cannot hold) are U+FFFD both ways. The common case, a
string that encodes, pays nothing for this.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["GoText", "go_text"]

_FFFD = "\ufffd".encode()
_SURROGATE = re.compile("([\ud800-\udfff])")


@dataclass(frozen=True)
class GoText:
    """``data`` is what RE2 searches (valid UTF-8); ``orig`` is what Go would hold."""

    data: bytes
    orig: bytes
    replaced: tuple[int, ...] = ()  # offsets in ``data`` of U+FFFD standing for one byte

    def rune_width(self, pos: int) -> int:
        """Go's ``utf8.DecodeRune`` width at ``pos`` in ``data``; 0 at the end."""
        if pos >= len(self.data):
            return 0
        lead = self.data[pos]
        return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4

    def on_boundary(self, pos: int) -> bool:
        """Whether ``pos`` starts a rune (or is the end), where Go would try a match."""
        return pos >= len(self.data) or self.data[pos] & 0xC0 != 0x80

    def _orig(self, pos: int) -> int:
        if not self.replaced:
            return pos
        return pos - 2 * bisect.bisect_left(self.replaced, pos)

    def slice(self, start: int, end: int) -> str:
        """The text between two rune boundaries of ``data``, as the caller's ``str``."""
        return self.orig[self._orig(start) : self._orig(end)].decode("utf-8", "surrogateescape")


def go_text(s: str) -> GoText:
    """``s`` encoded once for matching; linear in ``len(s)``."""
    try:
        data = s.encode("utf-8")
    except UnicodeEncodeError:
        return _with_surrogates(s)
    return GoText(data, data)


def _with_surrogates(s: str) -> GoText:
    data, orig, replaced = bytearray(), bytearray(), []
    for i, piece in enumerate(_SURROGATE.split(s)):
        if i % 2 == 0:
            data += piece.encode("utf-8")
            orig += piece.encode("utf-8")
            continue
        code = ord(piece)
        if 0xDC80 <= code <= 0xDCFF:
            replaced.append(len(data))
            orig.append(code - 0xDC00)
        else:
            orig += _FFFD
        data += _FFFD
    return GoText(bytes(data), bytes(orig), tuple(replaced))
