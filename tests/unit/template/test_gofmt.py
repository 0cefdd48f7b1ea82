"""``gofmt`` as the function library uses it (sprig's ``printf``-like functions, ``toString``).

Most of ``fmt`` is covered by the golden cases through ``printf``; these pin the Python entry
points and what the golden cases cannot reach (the size limit, values no Go function makes).
"""

from __future__ import annotations

import datetime as _dt

import pytest

from eso.template.gofmt import FormatTooLarge, format_duration, sprint, sprintf, sprintln
from eso.template.values import Duration, Int64, StringMap, StringSlice, Uint8


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(1e6, "1e+06", id="float-exponent"),
        pytest.param(1.5e-7, "1.5e-07", id="float-small"),
        pytest.param(100.0, "100", id="float-integral"),
        pytest.param(None, "<nil>", id="nil"),
        pytest.param(StringMap(b="2", a="1"), "map[a:1 b:2]", id="map-sorted"),
        pytest.param(StringSlice(["a", "b"]), "[a b]", id="slice"),
        pytest.param(b"hi", "[104 105]", id="bytes"),
        pytest.param(Int64(-3), "-3", id="int64"),
        pytest.param(Uint8(7), "7", id="uint8"),
        pytest.param(Duration(90 * 10**9), "1m30s", id="duration"),
        pytest.param(True, "true", id="bool"),
    ],
)
def test_sprint_renders_like_go(value: object, text: str) -> None:
    assert sprint(value) == text


def test_sprint_spaces_operands_only_between_non_strings() -> None:
    assert sprint(1, 2, "a", 3, "b", "c") == "1 2a3bc"


def test_sprintln_always_spaces_and_ends_with_newline() -> None:
    assert sprintln("a", 1, "b") == "a 1 b\n"


def test_sprintf_reports_bad_verbs_in_band() -> None:
    assert sprintf("%d|%s", "x", 1) == "%!d(string=x)|%!s(int=1)"
    assert sprintf("%d %d", 1) == "1 %!d(MISSING)"
    assert sprintf("%d", 1, "x") == "1%!(EXTRA string=x)"


def test_sprintf_stops_at_its_size_limit() -> None:
    with pytest.raises(FormatTooLarge):
        sprintf("%500d%500d", 1, 2, limit=600)
    assert len(sprintf("%500d", 1, limit=600)) == 500


def test_durations_print_like_go() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(1500) == "1.5µs"
    assert format_duration(-(3 * 3600 + 5) * 10**9) == "-3h0m5s"


def test_times_print_like_go() -> None:
    t = _dt.datetime(2024, 5, 6, 7, 8, 9, 120000, tzinfo=_dt.UTC)
    assert sprint(t) == "2024-05-06 07:08:09.12 +0000 UTC"
    east = _dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=_dt.timezone(_dt.timedelta(hours=2)))
    assert sprint(east) == "2024-05-06 07:08:09 +0200 +0200"
