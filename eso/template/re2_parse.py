"""Go's ``regexp/syntax`` parser (Perl flags): the accepted language and its error texts.

RE2 the library reads nearly Go's syntax, but not exactly (it takes ``\\C``, reports its own
error texts, refuses some things Go takes), and Go's flags (``(?i)`` half-way through a
pattern, ``(?U)``, ``$`` meaning end of text) are easiest to get right once, in a tree. So a
pattern is parsed here with Go's rules into a small tree whose leaves are already RE2 text
(see ``re2_classes``); ``re2_emit`` writes the tree out as an RE2 pattern with every flag
applied per atom. Escapes and classes live in ``re2_classes``; this module is the structure:
groups, flags, alternation and repetition, with Go's limits (1000 for counts and nesting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eso.template.re2_classes import check_rune, class_escape, escape, parse_class
from eso.template.re2_errors import (
    ERR_INVALID_ESCAPE,
    ERR_INVALID_NAMED_CAPTURE,
    ERR_INVALID_PERL_OP,
    ERR_INVALID_REPEAT_OP,
    ERR_INVALID_REPEAT_SIZE,
    ERR_MISSING_PAREN,
    ERR_MISSING_REPEAT_ARGUMENT,
    ERR_NESTING_DEPTH,
    ERR_UNEXPECTED_PAREN,
    RegexpError,
)

__all__ = ["Node", "Parsed", "parse"]

_MAX_REPEAT = 1000
_MAX_DEPTH = 1000
_FOLD, _DOTNL, _ONELINE, _NONGREEDY = 1, 2, 4, 8
_SIMPLE_REPEATS = {"*": (0, -1), "+": (1, -1), "?": (0, 1)}
_ASSERTS = {"A": r"\A", "z": r"\z", "b": r"\b", "B": r"\B"}
_BRACE = re.compile(r"\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}")


@dataclass
class Node:
    """One node of the tree; leaves carry RE2 text, flags are already resolved per node."""

    kind: str  # lit class any assert group cat alt rep
    text: str = ""  # lit: the rune; assert: RE2 text
    items: list[str] = field(default_factory=list)  # class: RE2 class-body fragments
    fold: bool = False  # lit, class: case-insensitive; any: matches newline too
    negate: bool = False
    subs: list[Node] = field(default_factory=list)
    cap: int = 0
    min: int = 0
    max: int = 0
    greedy: bool = True
    brace: bool = False  # a ``{n,m}`` repeat (Go's OpRepeat)


@dataclass
class Parsed:
    """A parsed pattern: its tree and Go's ``SubexpNames()``."""

    tree: Node
    names: list[str]


@dataclass
class _Frame:
    """An open group (or the whole pattern) on the parser's stack."""

    cap: int  # 0 for non-capturing
    flags: int  # the flags to restore at ``)``
    alts: list[list[Node]] = field(default_factory=lambda: [[]])
    pseudo: bool = True  # nothing to repeat right after ``(`` or ``|``


def parse(pattern: str) -> Parsed:
    """Parse ``pattern`` by Go's rules; raises ``RegexpError`` with Go's message."""
    parser = _Parser(pattern)
    tree = parser.parse()
    names = [""] + [parser.names.get(i, "") for i in range(1, parser.ncap + 1)]
    return Parsed(tree, names)


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _finish(frame: _Frame) -> Node:
    alts = [Node("cat", subs=a) for a in frame.alts]
    return alts[0] if len(alts) == 1 else Node("alt", subs=alts)


def _repeat_ok(root: Node, n: int) -> bool:
    """Go's ``repeatIsValid``: nested ``{n,m}`` counts may not multiply past ``n``.

    Walked with a stack, not recursion: groups may nest 1000 deep.
    """
    stack = [(root, n)]
    while stack:
        node, budget = stack.pop()
        if node.kind == "rep" and node.brace:
            if node.max == 0:
                continue
            m = node.max if node.max > 0 else node.min
            if m > budget:
                return False
            budget = budget // m if m > 0 else budget
        stack.extend((sub, budget) for sub in node.subs)
    return True


class _Parser:
    """Go's ``parse`` loop over one pattern, building ``Node`` trees on a stack of frames."""

    def __init__(self, pattern: str) -> None:
        self.whole = pattern
        self.flags = _ONELINE
        self.ncap = 0
        self.names: dict[int, str] = {}
        self.stack = [_Frame(0, self.flags)]

    @property
    def concat(self) -> list[Node]:
        return self.stack[-1].alts[-1]

    def push(self, node: Node) -> None:
        self.concat.append(node)
        self.stack[-1].pseudo = False

    def literal(self, ch: str) -> None:
        fold = bool(self.flags & _FOLD) and ch.lower() != ch.upper()
        self.push(Node("lit", text=ch, fold=fold))

    def parse(self) -> Node:
        t, last_repeat = self.whole, ""
        while t:
            t, last_repeat = self.step(t, last_repeat)
        if len(self.stack) != 1:
            raise RegexpError(ERR_MISSING_PAREN, self.whole)
        return _finish(self.stack[0])

    def step(self, t: str, last_repeat: str) -> tuple[str, str]:
        """Consume one token at ``t``; returns the rest and the repeat operator just read."""
        c = t[0]
        if c in "*+?":
            lo, hi = _SIMPLE_REPEATS[c]
            return self.repeat(lo, hi, t, t[1:], last_repeat), t
        if c == "{":
            return self.brace_repeat(t, last_repeat)
        if c == "(":
            return self.open_group(t), ""
        if c == "|":
            self.stack[-1].alts.append([])
            self.stack[-1].pseudo = True
        elif c == ")":
            self.close_group()
        elif c in "^$.":
            self.push(self.simple_op(c))
        elif c == "[":
            items, negate, rest = parse_class(t)
            self.push_class(items, negate=negate)
            return rest, ""
        elif c == "\\":
            return self.backslash(t), ""
        else:
            check_rune(t)
            self.literal(c)
        return t[1:], ""

    def push_class(self, items: list[str], *, negate: bool = False) -> None:
        self.push(Node("class", items=items, negate=negate, fold=bool(self.flags & _FOLD)))

    def simple_op(self, c: str) -> Node:
        if c == ".":
            return Node("any", fold=bool(self.flags & _DOTNL))
        oneline = self.flags & _ONELINE
        if c == "^":
            return Node("assert", text=r"\A" if oneline else "(?m:^)")
        return Node("assert", text=r"\z" if oneline else "(?m:$)")

    def close_group(self) -> None:
        if len(self.stack) < 2:
            raise RegexpError(ERR_UNEXPECTED_PAREN, self.whole)
        frame = self.stack.pop()
        self.flags = frame.flags
        self.push(Node("group", cap=frame.cap, subs=[_finish(frame)]))

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
        if not (named or (s.startswith("(?<") and len(s) > 3)):
            return self.flag_group(s)
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
        node = Node("rep", subs=[self.concat.pop()], min=lo, max=hi, greedy=greedy, brace=brace)
        if brace and (lo >= 2 or hi >= 2) and not _repeat_ok(node, _MAX_REPEAT):
            raise RegexpError(ERR_INVALID_REPEAT_SIZE, op_text)
        self.concat.append(node)
        return after

    def brace_repeat(self, t: str, last: str) -> tuple[str, str]:
        m = _BRACE.match(t)
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
        c = t[1] if len(t) >= 2 else ""
        if c in _ASSERTS:
            self.push(Node("assert", text=_ASSERTS[c]))
            return t[2:]
        if c == "C":  # RE2 reads \C as any byte; Go refuses it.
            raise RegexpError(ERR_INVALID_ESCAPE, t[:2])
        if c == "Q":
            lit, _, rest = t[2:].partition(r"\E")
            for ch in lit:
                check_rune(ch)
                self.literal(ch)
            return rest
        found = class_escape(t)
        if found is not None:
            self.push_class([found[0]])
            return found[1]
        ch, rest = escape(t)
        self.literal(ch)
        return rest
