"""Go's ``regexp`` (RE2 syntax) on top of Python's ``re``, for sprig's ``regex*`` functions.

Templates written for ESO use Go's regular expressions; Python's ``re`` reads the same text
differently in many places (``$`` before a final newline, Unicode ``\\d``/``\\s``/``\\w``/``\\b``,
``a{,3}``, backreferences, lookarounds, ``(?i)`` in the middle of a pattern, ``\\pL``,
``[[:alpha:]]``, ``\\Q...\\E``). So a pattern is parsed here with Go's ``regexp/syntax`` rules
(same accepted language, same error texts: ``error parsing regexp: invalid escape sequence:
`\\1```) into a small tree, and the tree is written out as an equivalent Python pattern with
every Go meaning made explicit: ASCII classes spelled as ranges, flags applied per atom,
anchors as ``\\A``/``\\Z``/``(?m:^)``. Matching then follows Go's ``FindAll``/``ReplaceAll``/
``Split`` loops (empty matches right after a match are skipped) and ``Regexp.Expand``'s
template rules (``$1x`` is the group named ``1x``).

Limits, stated rather than hidden: Unicode classes are the general categories (from Python's
Unicode tables, which may trail Go's by a version), ``Any``, and the scripts Latin, Greek,
Cyrillic and Han; other script names Go knows are refused with their own error. Case folding
is Python's ``(?i)``, which agrees with Go's fold orbits except on rare negated classes
(``(?i)\\W`` and the Kelvin sign). A repeated group whose last iteration matches empty keeps
that empty capture in Python (``(a|)+``), not in Go. Python's engine backtracks, so unlike
RE2 a hostile pattern can take exponential time: patterns are bounded to ``MAX_PATTERN``
characters (inputs are bounded by the template limits), compiled patterns are cached in a
bounded LRU, and replacements stop at the caller's ``max_size``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

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
_MAX_REPEAT = 1000
_MAX_DEPTH = 1000
_MAX_RUNE = 0x10FFFF

_FOLD, _DOTNL, _ONELINE, _NONGREEDY = 1, 2, 4, 8


# Go's regexp/syntax ErrorCode texts (the middle of every compile error), plus eso's own.
ERR_INVALID_CHAR_RANGE = "invalid character class range"
ERR_INVALID_ESCAPE = "invalid escape sequence"
ERR_INVALID_NAMED_CAPTURE = "invalid named capture"
ERR_INVALID_PERL_OP = "invalid or unsupported Perl syntax"
ERR_INVALID_REPEAT_OP = "invalid nested repetition operator"
ERR_INVALID_REPEAT_SIZE = "invalid repeat count"
ERR_INVALID_UTF8 = "invalid UTF-8"
ERR_MISSING_BRACKET = "missing closing ]"
ERR_MISSING_PAREN = "missing closing )"
ERR_MISSING_REPEAT_ARGUMENT = "missing argument to repetition operator"
ERR_TRAILING_BACKSLASH = "trailing backslash at end of expression"
ERR_UNEXPECTED_PAREN = "unexpected )"
ERR_NESTING_DEPTH = "expression nests too deeply"
ERR_LARGE = "expression too large"
ERR_UNSUPPORTED_SCRIPT = "Unicode script not supported by eso (Go accepts it)"


class RegexpError(ValueError):
    """A pattern Go's ``regexp.Compile`` rejects; ``str()`` is Go's error text."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"error parsing regexp: {code}: `{expr}`")


class OutputTooLargeError(ValueError):
    """A replacement would produce more than the caller's ``max_size`` characters."""


# --- the syntax tree ----------------------------------------------------------------------


@dataclass
class _Node:
    kind: str  # lit class any assert group cat alt rep
    text: str = ""  # lit: the rune; assert: python text
    ranges: list[tuple[int, int]] = field(default_factory=list)
    fold: bool = False
    negate: bool = False  # class: match what ``ranges`` (folded first) does not
    subs: list[_Node] = field(default_factory=list)
    cap: int = 0
    min: int = 0
    max: int = 0
    greedy: bool = True
    brace: bool = False  # a ``{n,m}`` repeat (Go's OpRepeat)


@dataclass
class _Frame:
    """An open group (or the whole pattern) on the parser's stack."""

    cap: int  # 0 for non-capturing
    flags: int  # the flags to restore at ``)``
    alts: list[list[_Node]] = field(default_factory=lambda: [[]])
    pseudo: bool = True  # nothing to repeat right after ``(`` or ``|``


# --- character class tables ----------------------------------------------------------------

_PERL = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
}
_POSIX = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
# Unicode 15 Scripts.txt, the scripts ESO templates plausibly use.
_SCRIPTS: dict[str, list[tuple[int, int]]] = {
    "Latin": [
        (0x41, 0x5A), (0x61, 0x7A), (0xAA, 0xAA), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6),
        (0xF8, 0x2B8), (0x2E0, 0x2E4), (0x1D00, 0x1D25), (0x1D2C, 0x1D5C), (0x1D62, 0x1D65),
        (0x1D6B, 0x1D77), (0x1D79, 0x1DBE), (0x1E00, 0x1EFF), (0x2071, 0x2071),
        (0x207F, 0x207F), (0x2090, 0x209C), (0x212A, 0x212B), (0x2132, 0x2132),
        (0x214E, 0x214E), (0x2160, 0x2188), (0x2C60, 0x2C7F), (0xA722, 0xA787),
        (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9),
        (0xA7F2, 0xA7FF), (0xAB30, 0xAB5A), (0xAB5C, 0xAB64), (0xAB66, 0xAB69),
        (0xFB00, 0xFB06), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0x10780, 0x10785),
        (0x10787, 0x107B0), (0x107B2, 0x107BA), (0x1DF00, 0x1DF1E), (0x1DF25, 0x1DF2A),
    ],
    "Greek": [
        (0x370, 0x373), (0x375, 0x377), (0x37A, 0x37D), (0x37F, 0x37F), (0x384, 0x384),
        (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3E1),
        (0x3F0, 0x3FF), (0x1D26, 0x1D2A), (0x1D5D, 0x1D61), (0x1D66, 0x1D6A),
        (0x1DBF, 0x1DBF), (0x1F00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45),
        (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B),
        (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FC4),
        (0x1FC6, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FDD, 0x1FEF), (0x1FF2, 0x1FF4),
        (0x1FF6, 0x1FFE), (0x2126, 0x2126), (0xAB65, 0xAB65), (0x10140, 0x1018E),
        (0x101A0, 0x101A0), (0x1D200, 0x1D245),
    ],
    "Cyrillic": [
        (0x400, 0x484), (0x487, 0x52F), (0x1C80, 0x1C88), (0x1D2B, 0x1D2B), (0x1D78, 0x1D78),
        (0x2DE0, 0x2DFF), (0xA640, 0xA69F), (0xFE2E, 0xFE2F), (0x1E030, 0x1E06D),
        (0x1E08F, 0x1E08F),
    ],
    "Han": [
        (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x3005, 0x3005),
        (0x3007, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B), (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0x16FE2, 0x16FE3),
        (0x16FF0, 0x16FF1), (0x20000, 0x2A6DF), (0x2A700, 0x2B739), (0x2B740, 0x2B81D),
        (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D), (0x30000, 0x3134A),
        (0x31350, 0x323AF),
    ],
}  # fmt: skip
_CATEGORIES = frozenset((
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs"
))  # fmt: skip
# Script names Go knows (unicode.Scripts) but this port carries no tables for.
_OTHER_SCRIPTS = frozenset((
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma",
    "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot",
    "Cypro_Minoan", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
    "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic",
    "Gothic", "Grantha", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Hangul", "Hanifi_Rohingya",
    "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic", "Inherited",
    "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada",
    "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki",
    "Khudawadi", "Lao", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian",
    "Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi",
    "Medefaidrin", "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs",
    "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari",
    "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham",
    "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian",
    "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya",
    "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi",
    "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham",
    "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri",
    "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil",
    "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto",
    "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square"
))  # fmt: skip


@functools.cache
def _category_table() -> dict[str, list[tuple[int, int]]]:
    """Ranges of every general category (one pass over the code space, done once)."""
    table: dict[str, list[tuple[int, int]]] = {}
    prev, start = "", 0
    for cp in range(_MAX_RUNE + 2):
        cat = unicodedata.category(chr(cp)) if cp <= _MAX_RUNE else ""
        if cat != prev:
            if prev and prev != "Cn":
                table.setdefault(prev, []).append((start, cp - 1))
            prev, start = cat, cp
    for major in "CLMNPSZ":
        table[major] = _merge([r for k, v in table.items() if k[0] == major for r in v])
    return table


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _negate(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in _merge(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return out


def _unicode_table(name: str) -> list[tuple[int, int]] | None:
    if name == "Any":
        return [(0, _MAX_RUNE)]
    if name in _CATEGORIES:
        return list(_category_table().get(name, []))
    return _SCRIPTS.get(name)


# --- the parser ---------------------------------------------------------------------------


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class _Parser:
    """Go's ``regexp/syntax`` parser (Perl flags), building ``_Node`` trees."""

    def __init__(self, pattern: str) -> None:
        self.whole = pattern
        self.flags = _ONELINE
        self.ncap = 0
        self.names: dict[int, str] = {}
        self.stack = [_Frame(0, self.flags)]

    # stack helpers
    @property
    def concat(self) -> list[_Node]:
        return self.stack[-1].alts[-1]

    def push(self, node: _Node) -> None:
        self.concat.append(node)
        self.stack[-1].pseudo = False

    def literal(self, ch: str) -> None:
        self.push(_Node("lit", text=ch, fold=bool(self.flags & _FOLD) and ch.lower() != ch.upper()))

    def parse(self) -> _Node:
        t = self.whole
        last_repeat = ""
        while t:
            repeat = ""
            c = t[0]
            if c == "(":
                t = self.open_group(t)
            elif c == "|":
                self.stack[-1].alts.append([])
                self.stack[-1].pseudo = True
                t = t[1:]
            elif c == ")":
                self.close_group()
                t = t[1:]
            elif c in "^$.":
                self.push(self.simple_op(c))
                t = t[1:]
            elif c == "[":
                t = self.parse_class(t)
            elif c in "*+?":
                lo, hi = {"*": (0, -1), "+": (1, -1), "?": (0, 1)}[c]
                t, repeat = self.repeat(lo, hi, t, t[1:], last_repeat), t
            elif c == "{":
                t, repeat = self.brace_repeat(t, last_repeat)
            elif c == "\\":
                t = self.backslash(t)
            else:
                self.check_rune(t)
                self.literal(c)
                t = t[1:]
            last_repeat = repeat
        if len(self.stack) != 1:
            raise RegexpError(ERR_MISSING_PAREN, self.whole)
        return self.finish(self.stack[0])

    def check_rune(self, t: str) -> None:
        if 0xDC80 <= ord(t[0]) <= 0xDCFF:  # an invalid UTF-8 byte
            raise RegexpError(ERR_INVALID_UTF8, t)

    def simple_op(self, c: str) -> _Node:
        if c == ".":
            return _Node("any", fold=bool(self.flags & _DOTNL))
        oneline = self.flags & _ONELINE
        if c == "^":
            return _Node("assert", text=r"\A" if oneline else "(?m:^)")
        return _Node("assert", text=r"\Z" if oneline else "(?m:$)")

    def finish(self, frame: _Frame) -> _Node:
        alts = [_Node("cat", subs=a) for a in frame.alts]
        return alts[0] if len(alts) == 1 else _Node("alt", subs=alts)

    def close_group(self) -> None:
        if len(self.stack) < 2:
            raise RegexpError(ERR_UNEXPECTED_PAREN, self.whole)
        frame = self.stack.pop()
        self.flags = frame.flags
        self.push(_Node("group", cap=frame.cap, subs=[self.finish(frame)]))

    def open_group(self, t: str) -> str:
        if len(self.stack) > _MAX_DEPTH:
            raise RegexpError(ERR_NESTING_DEPTH, self.whole)
        if len(t) >= 2 and t[1] == "?":
            return self.perl_flags(t)
        self.ncap += 1
        self.stack.append(_Frame(self.ncap, self.flags))
        return t[1:]

    def perl_flags(self, s: str) -> str:
        named = s.startswith("(?P<") and len(s) > 4
        if named or (s.startswith("(?<") and len(s) > 3):
            begin = 4 if named else 3
            end = s.find(">")
            if end < 0:
                raise RegexpError(ERR_INVALID_NAMED_CAPTURE, s)
            name = s[begin:end]
            if not name or not all(_is_word(ch) for ch in name):
                raise RegexpError(ERR_INVALID_NAMED_CAPTURE, s[: end + 1])
            self.ncap += 1
            self.names[self.ncap] = name
            self.stack.append(_Frame(self.ncap, self.flags))
            return s[end + 1 :]
        return self.flag_group(s)

    def flag_group(self, s: str) -> str:
        flags, neg, saw = self.flags, False, False
        bits = {"i": _FOLD, "m": _ONELINE, "s": _DOTNL, "U": _NONGREEDY}
        t = s[2:]
        while t:
            c, t = t[0], t[1:]
            if c in bits:
                # "m" clears OneLine; the others set their flag (inverted after "-").
                on = (c != "m") != neg
                flags = flags | bits[c] if on else flags & ~bits[c]
                saw = True
            elif c == "-" and not neg:
                neg, saw = True, False
            elif c in ":)":
                if neg and not saw:
                    break
                if c == ":":
                    self.stack.append(_Frame(0, self.flags))
                self.flags = flags
                return t
            else:
                break
        raise RegexpError(ERR_INVALID_PERL_OP, s[: len(s) - len(t)])

    def repeat(
        self, lo: int, hi: int, before: str, after: str, last: str, *, brace: bool = False
    ) -> str:
        greedy = not self.flags & _NONGREEDY
        if after.startswith("?"):
            after, greedy = after[1:], not greedy
        if last:
            raise RegexpError(ERR_INVALID_REPEAT_OP, last[: len(last) - len(after)])
        op_text = before[: len(before) - len(after)]
        if self.stack[-1].pseudo or not self.concat:
            raise RegexpError(ERR_MISSING_REPEAT_ARGUMENT, op_text)
        node = _Node("rep", subs=[self.concat.pop()], min=lo, max=hi, greedy=greedy, brace=brace)
        if brace and (lo >= 2 or hi >= 2) and not _repeat_ok(node, _MAX_REPEAT):
            raise RegexpError(ERR_INVALID_REPEAT_SIZE, op_text)
        self.concat.append(node)
        return after

    def brace_repeat(self, t: str, last: str) -> tuple[str, str]:
        m = re.match(r"\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}", t)
        if m is None:
            self.literal("{")
            return t[1:], ""
        lo = int(m.group(1)) if len(m.group(1)) <= 8 else -1
        hi_text = m.group(3)
        hi = lo if m.group(2) is None else (-1 if hi_text is None else int(hi_text))
        if hi_text is not None and len(hi_text) > 8:
            hi, lo = -1, -1
        after = t[m.end() :]
        if lo < 0 or lo > _MAX_REPEAT or hi > _MAX_REPEAT or (hi >= 0 and lo > hi):
            raise RegexpError(ERR_INVALID_REPEAT_SIZE, m.group(0))
        return self.repeat(lo, hi, t, after, last, brace=True), t

    def backslash(self, t: str) -> str:
        if len(t) >= 2:
            c = t[1]
            special = {"A": r"\A", "z": r"\Z", "b": r"(?a:\b)", "B": r"(?a:\B)"}
            if c in special:
                self.push(_Node("assert", text=special[c]))
                return t[2:]
            if c == "C":
                raise RegexpError(ERR_INVALID_ESCAPE, t[:2])
            if c == "Q":
                lit, _, rest = t[2:].partition(r"\E")
                for ch in lit:
                    self.check_rune(ch)
                    self.literal(ch)
                return rest
        found = self.class_escape(t)
        if found is not None:
            ranges, rest = found
            self.push(_Node("class", ranges=ranges, fold=bool(self.flags & _FOLD)))
            return rest
        ch, rest = self.escape(t)
        self.literal(ch)
        return rest

    def class_escape(self, t: str) -> tuple[list[tuple[int, int]], str] | None:
        """``\\pX``/``\\p{Name}`` or ``\\d``-style escapes at ``t``, as ranges."""
        if len(t) >= 2 and t[1] in "pP":
            return self.unicode_class(t)
        if len(t) >= 2 and t[1].lower() in _PERL:
            ranges = _PERL[t[1].lower()]
            return (_negate(ranges) if t[1].isupper() else list(ranges)), t[2:]
        return None

    def unicode_class(self, s: str) -> tuple[list[tuple[int, int]], str]:
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
        table = _unicode_table(name)
        if table is None:
            if name in _OTHER_SCRIPTS:
                raise RegexpError(ERR_UNSUPPORTED_SCRIPT, seq)
            raise RegexpError(ERR_INVALID_CHAR_RANGE, seq)
        return (_negate(table) if negate else table), rest

    def escape(self, s: str) -> tuple[str, str]:
        """Go's ``parseEscape``: one escaped rune."""
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
        simple = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
        if c in simple:
            return simple[c], t
        if c == "x" and t:
            found = self.hex_escape(t)
            if isinstance(found, tuple):
                return found
            t = found
        raise RegexpError(ERR_INVALID_ESCAPE, s[: len(s) - len(t)])

    def hex_escape(self, t: str) -> tuple[str, str] | str:
        """After ``\\x``: the rune and rest, or the rest at which Go gave up."""
        if t[0] != "{":
            if len(t) >= 2 and all(ch in "0123456789abcdefABCDEF" for ch in t[:2]):
                return chr(int(t[:2], 16)), t[2:]
            return t[2:] if len(t) >= 2 else ""
        value, n, t = 0, 0, t[1:]
        while t:
            ch, t = t[0], t[1:]
            if ch == "}":
                return (chr(value), t) if n else t
            if ch not in "0123456789abcdefABCDEF":
                return t
            value = value * 16 + int(ch, 16)
            n += 1
            if value > _MAX_RUNE:
                return t
        return t

    def parse_class(self, s: str) -> str:
        t = s[1:]
        negate = t.startswith("^")
        if negate:
            t = t[1:]
        ranges: list[tuple[int, int]] = []
        first = True
        while not t or t[0] != "]" or first:
            first = False
            if t.startswith("[:"):
                found = self.posix_class(t)
                if found is not None:
                    ranges += found[0]
                    t = found[1]
                    continue
            if t.startswith("\\") and len(t) >= 2 and (t[1] in "pP" or t[1].lower() in _PERL):
                cls = self.class_escape(t)
                assert cls is not None
                ranges += cls[0]
                t = cls[1]
                continue
            rng = t
            lo, t = self.class_char(t, s)
            hi = lo
            if len(t) >= 2 and t[0] == "-" and t[1] != "]":
                hi, t = self.class_char(t[1:], s)
                if ord(hi) < ord(lo):
                    raise RegexpError(ERR_INVALID_CHAR_RANGE, rng[: len(rng) - len(t)])
            ranges.append((ord(lo), ord(hi)))
        ranges = _merge(ranges)
        self.push(
            _Node(
                # Go folds case before negating: (?i)[^a] matches neither a nor A.
                "class",
                ranges=ranges,
                negate=negate,
                fold=bool(self.flags & _FOLD),
            )
        )
        return t[1:]

    def posix_class(self, t: str) -> tuple[list[tuple[int, int]], str] | None:
        end = t.find(":]", 2)
        if end < 0:
            return None
        name = t[: end + 2]
        key = name[2:-2]
        negate = key.startswith("^")
        table = _POSIX.get(key.lstrip("^"))
        if table is None:
            raise RegexpError(ERR_INVALID_CHAR_RANGE, name)
        return (_negate(table) if negate else list(table)), t[end + 2 :]

    def class_char(self, t: str, whole: str) -> tuple[str, str]:
        if not t:
            raise RegexpError(ERR_MISSING_BRACKET, whole)
        if t[0] == "\\":
            return self.escape(t)
        self.check_rune(t)
        return t[0], t[1:]


def _repeat_ok(node: _Node, n: int) -> bool:
    """Go's ``repeatIsValid``: nested ``{n,m}`` counts may not multiply past 1000."""
    if node.kind == "rep" and node.brace:
        if node.max == 0:
            return True
        m = node.max if node.max > 0 else node.min
        if m > n:
            return False
        if m > 0:
            n //= m
    return all(_repeat_ok(sub, n) for sub in node.subs)


# --- writing the Python pattern -----------------------------------------------------------


def _class_char(cp: int) -> str:
    ch = chr(cp)
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\U{cp:08x}"


def _emit_class(ranges: list[tuple[int, int]], *, negate: bool = False) -> str:
    if not ranges:
        return r"[\s\S]" if negate else "(?!)"
    body = "".join(
        _class_char(lo) if lo == hi else f"{_class_char(lo)}-{_class_char(hi)}" for lo, hi in ranges
    )
    return f"[{'^' if negate else ''}{body}]"


def _emit(node: _Node) -> str:
    k = node.kind
    if k == "lit":
        return f"(?i:{re.escape(node.text)})" if node.fold else re.escape(node.text)
    if k == "class":
        text = _emit_class(node.ranges, negate=node.negate)
        return f"(?i:{text})" if node.fold else text
    if k == "any":
        return "(?s:.)" if node.fold else "."
    if k == "assert":
        return node.text
    if k == "group":
        inner = _emit(node.subs[0])
        return f"({inner})" if node.cap else f"(?:{inner})"
    if k == "cat":
        return "".join(_emit(s) for s in node.subs)
    if k == "alt":
        return "|".join(_emit(s) for s in node.subs)
    return _emit_repeat(node)


def _emit_repeat(node: _Node) -> str:
    sub = node.subs[0]
    inner = _emit(sub)
    if sub.kind != "group" and not (sub.kind == "lit" and not sub.fold):
        inner = f"(?:{inner})"
    lo, hi = node.min, node.max
    quant = {(0, -1): "*", (1, -1): "+", (0, 1): "?"}.get((lo, hi))
    if quant is None:
        quant = f"{{{lo},}}" if hi < 0 else f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"
    return inner + quant + ("" if node.greedy else "?")


# --- the compiled expression --------------------------------------------------------------


class Regexp:
    """A compiled Go regular expression with Go's matching API (string flavour)."""

    def __init__(self, pattern: str, compiled: re.Pattern[str], names: list[str]) -> None:
        self.pattern = pattern
        self._re = compiled
        self.subexp_names = names
        """Go's ``SubexpNames()``: "" for the whole match and unnamed groups."""

    def _search(self, s: str, pos: int) -> re.Match[str] | None:
        return self._re.search(s, pos)

    def match_string(self, s: str) -> bool:
        return self._search(s, 0) is not None

    def find_string(self, s: str) -> str:
        m = self._search(s, 0)
        return m.group(0) if m else ""

    def find_string_submatch(self, s: str) -> list[str] | None:
        m = self._search(s, 0)
        if m is None:
            return None
        return [m.group(0), *(g or "" for g in m.groups())]

    def _all(self, s: str, n: int) -> Iterator[re.Match[str]]:
        """Go's ``allMatches``: no empty match right after a previous match."""
        if n < 0:
            n = len(s) + 1
        pos, count, prev_end = 0, 0, -1
        while count < n and pos <= len(s):
            m = self._search(s, pos)
            if m is None:
                return
            accept = True
            if m.end() == pos:
                accept = m.start() != prev_end
                pos += 1
            else:
                pos = m.end()
            prev_end = m.end()
            if accept:
                count += 1
                yield m

    def find_all_string(self, s: str, n: int) -> list[str] | None:
        out = [m.group(0) for m in self._all(s, n)]
        return out or None

    def split(self, s: str, n: int) -> list[str] | None:
        if n == 0:
            return None
        if self.pattern and not s:
            return [""]
        out: list[str] = []
        beg = end = 0
        for m in self._all(s, n):
            if n > 0 and len(out) == n - 1:
                break
            end = m.start()
            if m.end() != 0:
                out.append(s[beg:end])
            beg = m.end()
        if end != len(s):
            out.append(s[beg:])
        return out

    def _replace(
        self, src: str, repl: Callable[[re.Match[str]], str], *, max_size: int | None
    ) -> str:
        """Go's ``replaceAll`` loop; stops with ``OutputTooLargeError`` past ``max_size``."""
        out: list[str] = []
        last_end = search = size = 0
        while search <= len(src):
            if max_size is not None and size > max_size:
                raise OutputTooLargeError(max_size)
            m = self._search(src, search)
            if m is None:
                break
            out.append(src[last_end : m.start()])
            if m.end() > last_end or m.start() == 0:
                out.append(repl(m))
                size += len(out[-1])
            size += m.start() - last_end
            last_end = m.end()
            width = 1 if search < len(src) else 0
            if search + width > m.end():
                search += width
            elif search + 1 > m.end():
                search += 1
            else:
                search = m.end()
        out.append(src[last_end:])
        return "".join(out)

    def replace_all_string(self, src: str, template: str, *, max_size: int | None = None) -> str:
        """Go's ``ReplaceAllString`` (``$1``... expanded in ``template``)."""
        return self._replace(src, lambda m: self.expand(template, m), max_size=max_size)

    def replace_all_literal_string(
        self, src: str, repl: str, *, max_size: int | None = None
    ) -> str:
        """Go's ``ReplaceAllLiteralString``."""
        return self._replace(src, lambda m: repl, max_size=max_size)

    def expand(self, template: str, m: re.Match[str]) -> str:
        """Go's ``Regexp.Expand`` of ``template`` for match ``m`` of this expression."""
        return expand(template, m, names=self.subexp_names)


def expand(template: str, match: re.Match[str], *, names: Sequence[str] = ()) -> str:
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


def _group_text(m: re.Match[str], name: str, num: int, names: Sequence[str]) -> str:
    if num >= 0:
        return (m.group(num) or "") if num <= m.re.groups else ""
    for i, gname in enumerate(names):
        if gname == name and m.group(i) is not None:
            return m.group(i)
    return ""


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


def _extract(s: str) -> tuple[str, int, str] | None:
    """Go's ``extract``: the longest name after ``$`` (``$1x`` names ``1x``)."""
    brace = s.startswith("{")
    body = s[1:] if brace else s
    i = 0
    while i < len(body) and (
        body[i] == "_"
        or unicodedata.category(body[i])[0] == "L"
        or unicodedata.category(body[i]) == "Nd"
    ):
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


@functools.lru_cache(maxsize=256)
def compile(pattern: str) -> Regexp:
    """Go's ``regexp.Compile``; raises ``RegexpError`` with Go's message."""
    if len(pattern) > MAX_PATTERN:
        raise RegexpError(ERR_LARGE, f"pattern longer than {MAX_PATTERN} characters")
    parser = _Parser(pattern)
    tree = parser.parse()
    try:
        compiled = re.compile(_emit(tree))
    except (re.error, RecursionError, OverflowError) as e:
        raise RegexpError(ERR_LARGE, type(e).__name__) from None
    names = [""] + [parser.names.get(i, "") for i in range(1, parser.ncap + 1)]
    return Regexp(pattern, compiled, names)


_META = frozenset("\\.+*?()|[]{}^$")


def quote_meta(s: str) -> str:
    """Go's ``regexp.QuoteMeta``."""
    return "".join("\\" + ch if ch in _META else ch for ch in s)
