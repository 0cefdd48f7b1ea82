"""``eso.template.re2`` on RE2: hostile patterns terminate, and Go's semantics survive the move.

The expected values below were recorded from Go 1.27's ``regexp`` (the same way as
``tests/golden/goregexp``, with inputs as raw bytes, which the JSON golden file cannot carry:
invalid UTF-8 arrives in eso as ``surrogateescape`` characters).
"""

from __future__ import annotations

import pytest

from eso.template import re2
from eso.template.re2_tables import CATEGORIES, POSIX_CLASSES, SCRIPTS

_HANG_GUARD_SECONDS = 60
"""Only a guard against a hang (pytest-timeout fails the test), never a speed assertion."""

_HOSTILE = [
    pytest.param(r"(a*)*b", "a" * 64, id="nested-star"),
    pytest.param(r"(x+x+)+y", "x" * 64, id="overlapping-plus"),
    pytest.param(r"(a|aa)+$", "a" * 64 + "b", id="ambiguous-alternation"),
    pytest.param(r"((a+)+)+c", "a" * 64, id="triple-nesting"),
    pytest.param(r"(.*a){12}", "a" * 64, id="counted-dot-star"),
    pytest.param(r"(\w+\s?)+$", "word " * 20 + "!", id="redos-classic"),
    pytest.param(r"(a*)*b", "a" * 200_000, id="long-input"),
]


# In the main thread on purpose: a backtracking engine holds the GIL while it matches, so a
# watchdog thread could never run, but it does check for signals, so pytest-timeout's SIGALRM
# turns a hang into a failure instead of a stuck test run.
@pytest.mark.timeout(_HANG_GUARD_SECONDS, method="signal")
@pytest.mark.parametrize(("pattern", "s"), _HOSTILE)
def test_catastrophic_backtracking_patterns_terminate(pattern: str, s: str) -> None:
    """A backtracking engine needs ~2**64 steps here; RE2 is linear, so every call returns."""
    rx = re2.compile(pattern)
    results = (
        rx.match_string(s),
        rx.find_string_submatch(s),
        rx.find_all_string(s, -1),
        rx.replace_all_string(s, "[$1]"),
        rx.split(s, -1),
    )
    assert len(results) == 5


def test_hostile_pattern_still_answers_like_go() -> None:
    rx = re2.compile(r"(a*)*b")
    assert not rx.match_string("a" * 64)
    assert rx.find_string_submatch("a" * 64 + "b") == ["a" * 64 + "b", "a" * 64]


def test_the_engine_is_googles_re2_not_this_module() -> None:
    """``eso/template/re2.py`` must not shadow the ``re2`` package it imports."""
    import re2 as engine

    assert engine.__name__ == "re2"
    assert hasattr(engine, "Options")
    assert engine is not re2


@pytest.mark.parametrize(
    ("pattern", "s", "want"),
    [
        # Go tries matches at runes, RE2 at bytes: no empty match inside "é".
        pytest.param(r"\B", "éaé", ["", ""], id="not-boundary-inside-rune"),
        pytest.param(r"\b", "éab é", ["", ""], id="boundary"),
        # Case folding then negation, as Go: the Kelvin sign folds to k.
        pytest.param(r"(?i)\W", "kK\u212a.", ["."], id="fold-negated-perl"),
        pytest.param(r"(?i)[^k]", "\u212ak", None, id="fold-negated-class"),
        pytest.param(r"(?i)k+", "kK\u212a", ["kK\u212a"], id="fold-kelvin"),
        pytest.param(r"(?i)s+", "sS\u017f", ["sS\u017f"], id="fold-long-s"),
        # Invalid UTF-8 bytes are U+FFFD of width one to Go, and come back unchanged.
        pytest.param(r".", "\udcffa\udcfe", ["\udcff", "a", "\udcfe"], id="dot-invalid-byte"),
        pytest.param(r"[^a]+", "\udcff\udcfea\udce2\udc82", ["\udcff\udcfe", "\udce2\udc82"]),
        pytest.param(r"\x{FFFD}", "x\udcff\ufffd", ["\udcff", "\ufffd"], id="fffd-invalid-byte"),
        pytest.param(r"", "\udcff\udce2", ["", "", ""], id="empty-steps-invalid-bytes"),
    ],
)
def test_find_all_matches_go(pattern: str, s: str, want: list[str] | None) -> None:
    assert re2.compile(pattern).find_all_string(s, -1) == want


@pytest.mark.parametrize(
    ("pattern", "s", "repl", "want"),
    [
        pytest.param(r"x*", "éé", "-", "-é-é-", id="empty-match-steps-a-rune"),
        pytest.param(r"a*", "\udcff\udce2\udc82", "-", "-\udcff-\udce2-\udc82-", id="invalid"),
        pytest.param(r"(|a)*", "aa", "[$1]", "[]a[]a[]", id="empty-iteration"),
        pytest.param(r"(a*)+", "aab", "[$1]", "[aa]b[]", id="greedy-iteration"),
        pytest.param(r"(?P<n>a)(?<m>b)", "ab", "$m$n", "ba", id="named"),
    ],
)
def test_replace_all_matches_go(pattern: str, s: str, repl: str, want: str) -> None:
    assert re2.compile(pattern).replace_all_string(s, repl) == want


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        pytest.param(r"\C", "invalid escape sequence: `\\C`", id="any-byte"),
        pytest.param(r"\Z", "invalid escape sequence: `\\Z`", id="python-end"),
        pytest.param(r"[[:^^alpha:]]", "invalid character class range: `[:^^alpha:]`"),
        # Go accepts this; RE2's program would pass its memory budget.
        pytest.param(r"\pL{1000}", "expression too large: `\\pL{1000}`", id="too-large"),
    ],
)
def test_syntax_go_or_re2_refuses_is_refused_with_gos_words(pattern: str, message: str) -> None:
    with pytest.raises(re2.RegexpError) as e:
        re2.compile(pattern)
    assert str(e.value) == f"error parsing regexp: {message}"


@pytest.mark.parametrize(
    "pattern",
    [
        *(f"\\p{{{n}}}" for n in sorted(CATEGORIES | SCRIPTS | {"Any"})),
        *(f"(?i)[^x\\p{{^{n}}}]\\P{{{n}}}" for n in sorted(CATEGORIES | SCRIPTS)),
        *(f"[[:{n}:][:^{n}:]]" for n in sorted(POSIX_CLASSES)),
    ],
)
def test_every_class_name_eso_accepts_compiles_in_re2(pattern: str) -> None:
    """eso hands class names to RE2, so each one it accepts must be one RE2 knows."""
    re2.compile(pattern)
