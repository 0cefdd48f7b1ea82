"""Go duration parsing and formatting, and the CRD pattern that must accept the same strings."""

from __future__ import annotations

import re

import pytest

from eso.api.duration import DurationError, format_duration, parse_duration
from eso.api.meta import DURATION_PATTERN


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h", 3600),
        ("1h0m0s", 3600),
        ("1m30s", 90),
        ("1m", 60),
        ("0", 0),
        ("0s", 0),
        ("1.5h", 5400),
        (".5s", 0.5),
        ("1.s", 1),
        ("300ms", 0.3),
        ("10us", 1e-5),
        ("10µs", 1e-5),
        ("10μs", 1e-5),
        ("7ns", 7e-9),
        ("1h1h", 7200),
        ("-1.5s", -1.5),
        ("+5s", 5),
        ("-0", 0),
    ],
)
def test_parses_what_go_parses(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "1", "h", "1x", "1h 2m", " 1h", "1h ", "--1s", ".s", "00", "1.5.5s", "-", "1d"]
)
def test_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (3600, "1h0m0s"),
        (90, "1m30s"),
        (3661, "1h1m1s"),
        (172800, "48h0m0s"),
        (1.5, "1.5s"),
        (1.234567, "1.234567s"),
        (59.5, "59.5s"),
        (0.5, "500ms"),
        (0.0015, "1.5ms"),
        (1.5e-6, "1.5µs"),
        (3e-7, "300ns"),
        (-60, "-1m0s"),
    ],
)
def test_formats_like_go(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 61, 3599, 3600, 86400, 0.25, 12.5])
def test_format_then_parse_round_trips(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    ["1h", "1h0m0s", "1m30s", "0", "0s", ".5s", "1.s", "300ms", "10µs", "10μs", "1h1h", "1x",
     "", "1", "h", " 1h", "00", "-1s", "+5s", "1h 2m", "1d", "1.5.5s"],
)  # fmt: skip
def test_crd_pattern_accepts_exactly_the_non_negative_durations(text: str) -> None:
    """The CRD `pattern` on refreshInterval and the parser must agree, or the API server would
    accept an interval the controller cannot use (or refuse one it could)."""
    try:
        parsable = parse_duration(text) >= 0 and not text.startswith(("+", "-"))
    except DurationError:
        parsable = False
    assert (re.fullmatch(DURATION_PATTERN, text) is not None) == parsable
