"""The errors of eso's Go ``regexp`` port, with Go's own texts.

A template author reads these messages (they end up in an ExternalSecret's condition), and
templates written for ESO are debugged against Go's behaviour, so a rejected pattern reads
exactly as ``regexp.Compile`` words it: ``error parsing regexp: <code>: `<expr>```. The codes
are Go's ``regexp/syntax`` ``ErrorCode`` texts, kept as named constants because they are part
of our API; the RE2 library underneath has different texts and never shows through.
"""

from __future__ import annotations

__all__ = [
    "ERR_INVALID_CHAR_RANGE",
    "ERR_INVALID_ESCAPE",
    "ERR_INVALID_NAMED_CAPTURE",
    "ERR_INVALID_PERL_OP",
    "ERR_INVALID_REPEAT_OP",
    "ERR_INVALID_REPEAT_SIZE",
    "ERR_INVALID_UTF8",
    "ERR_LARGE",
    "ERR_MISSING_BRACKET",
    "ERR_MISSING_PAREN",
    "ERR_MISSING_REPEAT_ARGUMENT",
    "ERR_NESTING_DEPTH",
    "ERR_TRAILING_BACKSLASH",
    "ERR_UNEXPECTED_PAREN",
    "ERR_UNSUPPORTED_SCRIPT",
    "OutputTooLargeError",
    "RegexpError",
]

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
