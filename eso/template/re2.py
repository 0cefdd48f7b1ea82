"""Go's ``regexp`` for sprig's ``regex*`` functions, matched by Google's RE2 in linear time.

Patterns come from users' ExternalSecrets, so a hostile one (``(a*)*b`` over a long input)
must not be able to hang a controller worker: a backtracking engine such as Python's ``re``
can take exponential time, holding the GIL and never yielding to the event loop, so nothing
can cancel it. Go's ``regexp`` guarantees time linear
in the input, and so does RE2 (the ``google-re2`` package), which Go's was ported from; RE2's
syntax and leftmost-first semantics are Go's.

What RE2 does not give us is done here, in small modules with one job each:

* ``re2_parse``/``re2_classes``: Go's accepted language and error texts (RE2 takes ``\\C``
  and words errors its own way; ``re2_errors`` holds Go's texts), flags resolved per atom;
  ``re2_tables``: the class names Go accepts; ``re2_emit``: the tree as explicit RE2 text;
* ``re2_text``: strings as Go sees them (UTF-8 bytes, invalid bytes as U+FFFD of width 1);
* ``re2_expand``: ``Regexp.Expand``'s ``$1``/``${name}`` template rules;
* this module: the matching API, Go's ``FindAll``/``ReplaceAll``/``Split`` loops on byte
  offsets (no empty match right after a match, an empty match steps one rune).

Bounds that remain: patterns are at most ``MAX_PATTERN`` characters, a pattern whose RE2
program would pass RE2's default memory budget (8 MiB; ``\\pL{1000}``) is refused as
``expression too large``, compiled patterns sit in a bounded LRU, and replacements stop at the
caller's ``max_size``. Go-known Unicode scripts other than Latin, Greek, Cyrillic and Han are
still refused with their own message, a limit kept from when eso carried its own tables (RE2
knows them all; see ``re2_tables``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import re2 as google_re2  # Google's RE2 (PyPI google-re2); this module is eso.template.re2

from eso.template.re2_emit import emit
from eso.template.re2_errors import ERR_LARGE, OutputTooLargeError, RegexpError
from eso.template.re2_expand import MatchLike, expand
from eso.template.re2_parse import Node, parse
from eso.template.re2_text import GoText, go_text

__all__ = [
    "MAX_PATTERN",
    "OutputTooLargeError",
    "Regexp",
    "RegexpError",
    "compile",
    "expand",
    "quote_meta",
    "replace_all",
]

MAX_PATTERN = 4096
"""Longest pattern accepted (characters); ESO templates never need more."""

Spans = tuple[tuple[int, int], ...]
"""Byte offsets in ``GoText.data`` of the match and each group; ``(-1, -1)`` if unset."""

_META = frozenset("\\.+*?()|[]{}^$")


@dataclass(frozen=True)
class _Match:
    """One match, for ``expand``: group texts sliced from the original string."""

    text: GoText
    spans: Spans

    def group(self, index: int, /) -> str | None:
        start, end = self.spans[index]
        return None if start < 0 else self.text.slice(start, end)


class Regexp:
    """A compiled Go regular expression with Go's matching API (string flavour).

    Every method runs in time linear in its input (times the pattern's size), whatever the
    pattern; none keeps state between calls, so one ``Regexp`` serves concurrent callers.
    """

    def __init__(self, pattern: str, compiled: Any, names: list[str]) -> None:
        self.pattern = pattern
        self._re = compiled  # a google-re2 pattern, searched on UTF-8 bytes
        self._ngroups = len(names) - 1
        self.subexp_names = names
        """Go's ``SubexpNames()``: "" for the whole match and unnamed groups."""

    def _search(self, text: GoText, pos: int) -> Spans | None:
        """Go's ``doExecute``: the leftmost-first match starting at a rune at or after ``pos``."""
        while True:
            m = self._re.search(text.data, pos)
            if m is None:
                return None
            span: tuple[int, int] = m.span()
            if span[0] != span[1] or text.on_boundary(span[0]):
                return tuple(m.span(i) for i in range(self._ngroups + 1))
            # RE2 steps bytes, Go runes: an empty match inside a rune (\B in "é") is not Go's.
            pos = span[0] + 1

    def match_string(self, s: str) -> bool:
        return self._search(go_text(s), 0) is not None

    def find_string(self, s: str) -> str:
        text = go_text(s)
        spans = self._search(text, 0)
        return text.slice(*spans[0]) if spans else ""

    def find_string_submatch(self, s: str) -> list[str] | None:
        text = go_text(s)
        spans = self._search(text, 0)
        if spans is None:
            return None
        return [text.slice(a, b) if a >= 0 else "" for a, b in spans]

    def _all(self, text: GoText, n: int) -> Iterator[Spans]:
        """Go's ``allMatches``: no empty match right after a previous match."""
        end = len(text.data)
        n = end + 1 if n < 0 else n
        pos, count, prev_end = 0, 0, -1
        while count < n and pos <= end:
            spans = self._search(text, pos)
            if spans is None:
                return
            accept = True
            if spans[0][1] == pos:
                accept = spans[0][0] != prev_end
                pos += text.rune_width(pos) or end + 1 - pos
            else:
                pos = spans[0][1]
            prev_end = spans[0][1]
            if accept:
                count += 1
                yield spans

    def find_all_string(self, s: str, n: int) -> list[str] | None:
        text = go_text(s)
        out = [text.slice(*spans[0]) for spans in self._all(text, n)]
        return out or None

    def split(self, s: str, n: int) -> list[str] | None:
        """Go's ``Split``: ``n < 0`` all pieces, ``n == 0`` nil, else at most ``n``."""
        if n == 0:
            return None
        if self.pattern and not s:
            return [""]
        text = go_text(s)
        out: list[str] = []
        beg = end = 0
        for spans in self._all(text, n):
            if n > 0 and len(out) == n - 1:
                break
            end = spans[0][0]
            if spans[0][1] != 0:
                out.append(text.slice(beg, end))
            beg = spans[0][1]
        if end != len(text.data):
            out.append(text.slice(beg, len(text.data)))
        return out

    def _replace(self, src: str, repl: Callable[[_Match], str], *, max_size: int | None) -> str:
        """Go's ``replaceAll`` loop; stops with ``OutputTooLargeError`` past ``max_size``."""
        text = go_text(src)
        out: list[str] = []
        last_end = search = size = 0
        while search <= len(text.data):
            if max_size is not None and size > max_size:
                raise OutputTooLargeError(max_size)
            spans = self._search(text, search)
            if spans is None:
                break
            (start, end), before = spans[0], text.slice(last_end, spans[0][0])
            out.append(before)
            if end > last_end or start == 0:
                out.append(repl(_Match(text, spans)))
                size += len(out[-1])
            size += len(before)
            last_end = end
            search = _advance(text, search=search, end=end)
        out.append(text.slice(last_end, len(text.data)))
        return "".join(out)

    def replace_all_string(self, src: str, template: str, *, max_size: int | None = None) -> str:
        """Go's ``ReplaceAllString`` (``$1``... expanded in ``template``)."""
        return self._replace(src, lambda m: self.expand(template, m), max_size=max_size)

    def replace_all_literal_string(
        self, src: str, repl: str, *, max_size: int | None = None
    ) -> str:
        """Go's ``ReplaceAllLiteralString``."""
        return self._replace(src, lambda m: repl, max_size=max_size)

    def expand(self, template: str, m: MatchLike) -> str:
        """Go's ``Regexp.Expand`` of ``template`` for match ``m`` of this expression."""
        return expand(template, m, names=self.subexp_names)


def _advance(text: GoText, *, search: int, end: int) -> int:
    """Where ``replaceAll`` searches next: past the match, and at least one rune on."""
    width = text.rune_width(search)
    if search + width > end:
        return search + width
    if search + 1 > end:
        return search + 1
    return end


def replace_all(
    pattern: str, src: str, repl: str, *, literal: bool = False, max_size: int | None = None
) -> str:
    """Go's ``regexp.MustCompile(pattern).ReplaceAll[Literal]String(src, repl)``.

    Raises ``RegexpError`` for a pattern Go rejects and ``OutputTooLargeError`` when the
    result would pass ``max_size`` characters.
    """
    rx = compile(pattern)
    if literal:
        return rx.replace_all_literal_string(src, repl, max_size=max_size)
    return rx.replace_all_string(src, repl, max_size=max_size)


def _engine(tree: Node, pattern: str) -> Any:
    """The RE2 program for ``tree``; one RE2 refuses (too big) is Go's ``ErrLarge``."""
    options = google_re2.Options()
    options.log_errors = False  # a refused pattern is the caller's error, not a log line
    try:
        return google_re2.compile(emit(tree), options)
    except google_re2.error as e:
        raise RegexpError(ERR_LARGE, pattern) from e


@functools.lru_cache(maxsize=256)
def compile(pattern: str) -> Regexp:
    """Go's ``regexp.Compile``; raises ``RegexpError`` with Go's message."""
    if len(pattern) > MAX_PATTERN:
        raise RegexpError(ERR_LARGE, f"pattern longer than {MAX_PATTERN} characters")
    parsed = parse(pattern)
    return Regexp(pattern, _engine(parsed.tree, pattern), parsed.names)


def quote_meta(s: str) -> str:
    """Go's ``regexp.QuoteMeta``."""
    return "".join("\\" + ch if ch in _META else ch for ch in s)
