"""Go's ``Regexp.Expand``: the ``$1``/``${name}`` templates of ``ReplaceAllString``.

Python's ``re`` and RE2's Python binding both expand ``\\1``-style templates; Go's rules are
different and templates written for ESO rely on them (``$1x`` names the group ``1x``, usually
empty; ``$$`` is a dollar; a malformed reference stays as text). So expansion is ours and
only asks of a match that ``group(i)`` give group ``i``'s text (``None`` if it did not take
part) and raise ``IndexError`` past the last group, as ``re`` and RE2 matches both do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Protocol

__all__ = ["MatchLike", "expand"]


class MatchLike(Protocol):
    """What expansion needs of a match."""

    def group(self, index: int, /) -> str | None: ...


def expand(template: str, match: MatchLike, *, names: Sequence[str] = ()) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``.

    ``names`` are Go's ``SubexpNames()`` of the expression that produced ``match``. A name is
    the longest run of letters, digits and ``_`` (``$1x`` is the group named ``1x``, usually
    empty); an unknown or non-participating group expands to nothing; a malformed reference
    (``$``, ``${x``) is kept as text.
    """
    out: list[str] = []
    while True:
        before, dollar, template = template.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if template.startswith("$"):
            out.append("$")
            template = template[1:]
            continue
        ref = _extract(template)
        if ref is None:
            out.append("$")
            continue
        name, num, template = ref
        out.append(_group_text(match, name, num, names))


def _group(m: MatchLike, index: int) -> str | None:
    try:
        return m.group(index)
    except IndexError:
        return None


def _group_text(m: MatchLike, name: str, num: int, names: Sequence[str]) -> str:
    if num >= 0:
        return _group(m, num) or ""
    for i, gname in enumerate(names):
        text = _group(m, i) if gname == name else None
        if text is not None:
            return text
    return ""


def _is_name_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch == "_" or cat[0] == "L" or cat == "Nd"


def _extract(s: str) -> tuple[str, int, str] | None:
    """Go's ``extract``: the longest name after ``$`` (``$1x`` names ``1x``)."""
    brace = s.startswith("{")
    body = s[1:] if brace else s
    i = 0
    while i < len(body) and _is_name_char(body[i]):
        i += 1
    if i == 0:
        return None
    name = body[:i]
    if brace:
        if i >= len(body) or body[i] != "}":
            return None
        i += 1
    num = int(name) if name.isascii() and name.isdigit() and len(name) <= 9 else -1
    if name.startswith("0") and len(name) > 1:
        num = -1
    return name, num, body[i:]
