"""Sprig's ``regex*`` functions over ``eso.template.re2`` (Go's RE2 semantics).

The plain variants use ``regexp.MustCompile`` in sprig, so a bad pattern is a panic (an
error here too); ``regexMatch`` alone swallows it and answers false. The ``must*`` variants
return Go's compile error. A negative ``n`` in ``regexFindAll``/``regexSplit`` means all.
"""

from __future__ import annotations

from eso.template import re2
from eso.template.functions._limits import check_items, check_output
from eso.template.functions.registry import MAX_OUTPUT, FuncError, FuncMap
from eso.template.functions.strings import go_quote
from eso.template.values import NilStringSlice, StringSlice

__all__ = ["register"]


def _compile(pattern: str) -> re2.Regexp:
    try:
        return re2.compile(pattern)
    except re2.RegexpError as e:
        raise FuncError(str(e)) from None


def _must_compile(pattern: str) -> re2.Regexp:
    """``regexp.MustCompile``'s panic text."""
    try:
        return re2.compile(pattern)
    except re2.RegexpError as e:
        raise FuncError(f"regexp: Compile({_go_quote(pattern)}): {e}") from None


def _can_backquote(text: str) -> bool:
    """``strconv.CanBackquote``."""
    for ch in text:
        code = ord(ch)
        if code == 0xFEFF or 0xDC80 <= code <= 0xDCFF:  # BOM, or an invalid UTF-8 byte
            return False
        if (code < 0x20 and ch != "\t") or ch == "`" or code == 0x7F:
            return False
    return True


def _go_quote(text: str) -> str:
    """How ``MustCompile``'s panic quotes the pattern: backquoted when it can be."""
    return f"`{text}`" if _can_backquote(text) else go_quote(text)


def regex_match(pattern: str, s: str) -> bool:
    try:
        return re2.compile(pattern).match_string(s)
    except re2.RegexpError:
        return False


def must_regex_match(pattern: str, s: str) -> bool:
    return _compile(pattern).match_string(s)


def _slice(items: list[str] | None) -> StringSlice:
    """Go's result: nil (JSON ``null``) when nothing matched or ``n`` is 0."""
    check_items(len(items or ()), func="regexFindAll")
    return StringSlice(items) if items else NilStringSlice()


def regex_find_all(pattern: str, s: str, n: int) -> StringSlice:
    return _slice(_must_compile(pattern).find_all_string(s, n))


def must_regex_find_all(pattern: str, s: str, n: int) -> StringSlice:
    return _slice(_compile(pattern).find_all_string(s, n))


def regex_find(pattern: str, s: str) -> str:
    return _must_compile(pattern).find_string(s)


def must_regex_find(pattern: str, s: str) -> str:
    return _compile(pattern).find_string(s)


def _replace(rx: re2.Regexp, s: str, repl: str, *, literal: bool, func: str) -> str:
    try:
        if literal:
            return rx.replace_all_literal_string(s, repl, max_size=MAX_OUTPUT)
        return rx.replace_all_string(s, repl, max_size=MAX_OUTPUT)
    except re2.OutputTooLargeError:
        check_output(MAX_OUTPUT + 1, func=func)
        raise


def regex_replace_all(pattern: str, s: str, repl: str) -> str:
    rx = _must_compile(pattern)
    return _replace(rx, s, repl, literal=False, func="regexReplaceAll")


def must_regex_replace_all(pattern: str, s: str, repl: str) -> str:
    return _replace(_compile(pattern), s, repl, literal=False, func="mustRegexReplaceAll")


def regex_replace_all_literal(pattern: str, s: str, repl: str) -> str:
    rx = _must_compile(pattern)
    return _replace(rx, s, repl, literal=True, func="regexReplaceAllLiteral")


def must_regex_replace_all_literal(pattern: str, s: str, repl: str) -> str:
    rx = _compile(pattern)
    return _replace(rx, s, repl, literal=True, func="mustRegexReplaceAllLiteral")


def regex_split(pattern: str, s: str, n: int) -> StringSlice:
    return _slice(_must_compile(pattern).split(s, n))


def must_regex_split(pattern: str, s: str, n: int) -> StringSlice:
    return _slice(_compile(pattern).split(s, n))


def regex_quote_meta(s: str) -> str:
    return re2.quote_meta(s)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    s = "string"
    r("regexMatch", s, s, result="bool")(regex_match)
    r("mustRegexMatch", s, s, result="bool", returns_error=True)(must_regex_match)
    r("regexFindAll", s, s, "int", result="[]string")(regex_find_all)
    r("mustRegexFindAll", s, s, "int", result="[]string", returns_error=True)(must_regex_find_all)
    r("regexFind", s, s, result=s)(regex_find)
    r("mustRegexFind", s, s, result=s, returns_error=True)(must_regex_find)
    r("regexReplaceAll", s, s, s, result=s)(regex_replace_all)
    r("mustRegexReplaceAll", s, s, s, result=s, returns_error=True)(must_regex_replace_all)
    r("regexReplaceAllLiteral", s, s, s, result=s)(regex_replace_all_literal)
    r("mustRegexReplaceAllLiteral", s, s, s, result=s, returns_error=True)(
        must_regex_replace_all_literal
    )
    r("regexSplit", s, s, "int", result="[]string")(regex_split)
    r("mustRegexSplit", s, s, "int", result="[]string", returns_error=True)(must_regex_split)
    r("regexQuoteMeta", s, result=s)(regex_quote_meta)
