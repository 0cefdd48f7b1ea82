"""Tokens of Go's template language, cut exactly where Go's ``text/template/parse`` cuts them.

Go's lexer decides trimming (``{{-``/``-}}``), comments, where a number or field ends and the
wording of every lexical error; the parser's messages quote these tokens, so both must match
Go byte for byte. The text is lexed eagerly into a list that ends with one EOF or error item:
the parser meets a lexical error at the same point Go's (lazy, goroutine-fed) parser would.
Positions are character offsets; ``exec`` converts them to Go's byte columns when reporting.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from eso.template.gostrconv import quote

__all__ = ["Item", "T", "lex"]

_SPACE = " \t\r\n"
_KEYWORDS = {
    "block",
    "break",
    "continue",
    "define",
    "else",
    "end",
    "if",
    "range",
    "nil",
    "template",
    "with",
}


class T(enum.Enum):
    """Item kinds; keywords share ``KEYWORD`` and are told apart by their text."""

    ERROR = "error"
    BOOL = "bool"
    CHAR = "char"
    CHAR_CONSTANT = "charconst"
    COMPLEX = "complex"
    ASSIGN = "="
    DECLARE = ":="
    EOF = "EOF"
    FIELD = "field"
    IDENTIFIER = "identifier"
    LEFT_DELIM = "left delim"
    LEFT_PAREN = "("
    NUMBER = "number"
    PIPE = "|"
    RAW_STRING = "raw string"
    RIGHT_DELIM = "right delim"
    RIGHT_PAREN = ")"
    SPACE = "space"
    STRING = "string"
    TEXT = "text"
    VARIABLE = "variable"
    DOT = "."
    KEYWORD = "keyword"


@dataclass(frozen=True, slots=True)
class Item:
    """One token: kind, start offset, text (or error message) and 1-based line."""

    typ: T
    pos: int
    val: str
    line: int

    def is_kw(self, word: str) -> bool:
        return self.typ is T.KEYWORD and self.val == word

    def __str__(self) -> str:
        if self.typ is T.EOF:
            return "EOF"
        if self.typ is T.ERROR:
            return self.val
        if self.typ in (T.KEYWORD, T.DOT):  # Go numbers the dot among the keywords
            return f"<{self.val}>"
        if len(self.val) > 10:
            return quote(self.val[:10]) + "..."
        return quote(self.val)


def lex(text: str, *, left: str = "{{", right: str = "}}") -> list[Item]:
    """Tokens of ``text``; the last is ``EOF`` or ``ERROR``. Keywords ``break``/``continue``
    are always keywords (ESO defines no functions of those names)."""
    return _Lexer(text, left=left or "{{", right=right or "}}").run()


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdigit()


class _Lexer:
    """State machine over ``text``; one method per Go lexer state."""

    def __init__(self, text: str, *, left: str, right: str) -> None:
        self.text = text
        self.left = left
        self.right = right
        self.pos = 0
        self.start = 0
        self.items: list[Item] = []
        self.paren_depth = 0
        self.done = False
        self._line = (0, 1)  # (offset, line there): tokens come in order, so count forward

    # -- plumbing --------------------------------------------------------------------------

    def line_at(self, pos: int) -> int:
        at, line = self._line
        if pos < at:
            at, line = 0, 1
        line += self.text.count("\n", at, pos)
        self._line = (pos, line)
        return line

    def emit(self, typ: T) -> None:
        val = self.text[self.start : self.pos]
        self.items.append(Item(typ, self.start, val, self.line_at(self.start)))
        self.start = self.pos

    def error(self, msg: str) -> None:
        self.items.append(Item(T.ERROR, self.start, msg, self.line_at(self.start)))
        self.done = True

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        c = self.peek()
        self.pos += len(c)
        return c

    def accept(self, valid: str) -> bool:
        c = self.peek()
        if c and c in valid:
            self.pos += 1
            return True
        return False

    def accept_run(self, valid: str) -> None:
        while self.accept(valid):
            pass

    def right_trim_at(self, pos: int) -> bool:
        s = self.text
        return (
            pos + 1 < len(s)
            and s[pos] in _SPACE
            and s[pos + 1] == "-"
            and s.startswith(self.right, pos + 2)
        )

    def at_right_delim(self) -> tuple[bool, bool]:
        if self.right_trim_at(self.pos):
            return True, True
        return self.text.startswith(self.right, self.pos), False

    def at_terminator(self) -> bool:
        c = self.peek()
        if c == "" or c in _SPACE or c in ".,|:)(":
            return True
        return self.text.startswith(self.right, self.pos)

    # -- states ----------------------------------------------------------------------------

    def run(self) -> list[Item]:
        inside = False
        while not self.done:
            inside = self.inside_action() if inside else self.lex_text()
        return self.items

    def lex_text(self) -> bool:
        """Text up to the next left delimiter; True when an action starts."""
        x = self.text.find(self.left, self.pos)
        if x < 0:
            self.pos = len(self.text)
            if self.pos > self.start:
                self.emit(T.TEXT)
            self.emit(T.EOF)
            self.done = True
            return False
        end = x
        after = x + len(self.left)
        if self._left_trim_at(after):
            while end > self.start and self.text[end - 1] in _SPACE:
                end -= 1
        if end > self.start:
            self.pos = end
            self.emit(T.TEXT)
        self.pos = self.start = x
        return self.left_delim()

    def _left_trim_at(self, pos: int) -> bool:
        s = self.text
        return pos + 1 < len(s) and s[pos] == "-" and s[pos + 1] in _SPACE

    def left_delim(self) -> bool:
        self.pos += len(self.left)
        trim = 2 if self._left_trim_at(self.pos) else 0
        if self.text.startswith("/*", self.pos + trim):
            self.pos += trim
            self.start = self.pos
            self.comment()
            return False
        self.emit(T.LEFT_DELIM)
        self.pos += trim
        self.start = self.pos
        self.paren_depth = 0
        return True

    def comment(self) -> None:
        x = self.text.find("*/", self.pos + 2)
        if x < 0:
            self.error("unclosed comment")
            return
        self.pos = x + 2
        delim, trim = self.at_right_delim()
        if not delim:
            self.error("comment ends before closing delimiter")
            return
        self.pos += (2 if trim else 0) + len(self.right)
        if trim:
            self.skip_space()
        self.start = self.pos

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _SPACE:
            self.pos += 1

    def right_delim(self, trim: bool) -> bool:
        if trim:
            self.pos += 2
            self.start = self.pos
        self.pos += len(self.right)
        self.emit(T.RIGHT_DELIM)
        if trim:
            self.skip_space()
            self.start = self.pos
        return False

    def inside_action(self) -> bool:
        """One token inside an action (a dispatch table on the first character)."""
        delim, trim = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self.right_delim(trim)
            self.error("unclosed left paren")
            return True
        c = self.next()
        if c == "":
            self.error("unclosed action")
        elif c in _SPACE:
            self.pos -= 1
            return self.space()
        elif c == "=":
            self.emit(T.ASSIGN)
        elif c == ":":
            if self.next() != "=":
                self.error("expected :=")
            else:
                self.emit(T.DECLARE)
        elif c == "|":
            self.emit(T.PIPE)
        elif c == '"':
            self.quote()
        elif c == "`":
            self.raw_quote()
        elif c == "$":
            self.field_or_variable(T.VARIABLE)
        elif c == "'":
            self.char()
        elif c == "." and self.peek() != "" and not "0" <= self.peek() <= "9":
            self.field_or_variable(T.FIELD)
        elif c in "+-." or "0" <= c <= "9":
            self.pos -= 1
            self.number()
        elif _is_alnum(c):
            self.pos -= 1
            self.identifier()
        else:
            self.punctuation(c)
        return True

    def punctuation(self, c: str) -> None:
        if c == "(":
            self.paren_depth += 1
            self.emit(T.LEFT_PAREN)
        elif c == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.error("unexpected right paren")
            else:
                self.emit(T.RIGHT_PAREN)
        elif c <= "\x7f" and c.isprintable():
            self.emit(T.CHAR)
        else:
            self.error(f"unrecognized character in action: {_sharp_u(c)}")

    def space(self) -> bool:
        n = 0
        while self.peek() != "" and self.peek() in _SPACE:
            self.pos += 1
            n += 1
        if self.right_trim_at(self.pos - 1):
            self.pos -= 1
            if n == 1:
                return self.right_delim(True)
        self.emit(T.SPACE)
        return True

    def identifier(self) -> None:
        while _is_alnum(self.peek()):
            self.pos += 1
        if not self.at_terminator():
            self.error(f"bad character {_sharp_u(self.next())}")
            return
        word = self.text[self.start : self.pos]
        if word in _KEYWORDS:
            self.emit(T.KEYWORD)
        elif word in ("true", "false"):
            self.emit(T.BOOL)
        else:
            self.emit(T.IDENTIFIER)

    def field_or_variable(self, typ: T) -> None:
        if self.at_terminator():
            self.emit(T.DOT if typ is T.FIELD else T.VARIABLE)
            return
        while _is_alnum(self.peek()):
            self.pos += 1
        if not self.at_terminator():
            self.error(f"bad character {_sharp_u(self.next())}")
            return
        self.emit(typ)

    def char(self) -> None:
        while True:
            c = self.next()
            if c == "\\":
                c = self.next()
                if c not in ("", "\n"):
                    continue
            if c in ("", "\n"):
                self.error("unterminated character constant")
                return
            if c == "'":
                break
        self.emit(T.CHAR_CONSTANT)

    def quote(self) -> None:
        while True:
            c = self.next()
            if c == "\\":
                c = self.next()
                if c not in ("", "\n"):
                    continue
            if c in ("", "\n"):
                self.error("unterminated quoted string")
                return
            if c == '"':
                break
        self.emit(T.STRING)

    def raw_quote(self) -> None:
        x = self.text.find("`", self.pos)
        if x < 0:
            self.error("unterminated raw quoted string")
            return
        self.pos = x + 1
        self.emit(T.RAW_STRING)

    def number(self) -> None:
        if not self.scan_number():
            self.error(f"bad number syntax: {quote(self.text[self.start : self.pos])}")
            return
        if self.peek() in ("+", "-") and self.peek() != "":
            if not self.scan_number() or self.text[self.pos - 1] != "i":
                self.error(f"bad number syntax: {quote(self.text[self.start : self.pos])}")
                return
            self.emit(T.COMPLEX)
            return
        self.emit(T.NUMBER)

    def scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if _is_alnum(self.peek()):
            self.next()
            return False
        return True


def _sharp_u(c: str) -> str:
    """Go's ``%#U``: ``U+0023 '#'``."""
    code = f"U+{ord(c):04X}"
    return f"{code} '{c}'" if c.isprintable() else code
