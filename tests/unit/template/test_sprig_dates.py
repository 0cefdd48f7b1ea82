"""Sprig's date functions (date_test.go restated), Go layouts and ``time.Duration``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eso.template import goduration, golayout
from eso.template.functions import dates
from eso.template.functions.registry import FuncError, FuncMap
from eso.template.values import Int32, Int64

GMT = dt.timezone(dt.timedelta(0), "GMT")
TM = dt.datetime(2019, 6, 13, 20, 39, 39, tzinfo=GMT)
NOW = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
FNS = dates.make_functions(lambda: NOW)


def test_parsed_reference_time_prints_like_go() -> None:
    parsed = golayout.parse_time("02 Jan 06 15:04:05 MST", "13 Jun 19 20:39:39 GMT")
    assert parsed == TM
    assert golayout.time_string(parsed) == "2019-06-13 20:39:39 +0000 GMT"


@pytest.mark.parametrize(
    ("name", "args", "want"),
    [
        pytest.param("htmlDate", (TM,), "2019-06-13", id="htmlDate"),
        pytest.param("htmlDateInZone", (TM, "Asia/Tokyo"), "2019-06-14", id="htmlDateInZone"),
        pytest.param("date", ("02/01/2006", TM), "13/06/2019", id="date"),
        pytest.param(
            "dateInZone", ("02 Jan 06 15:04 -0700", TM, "UTC"), "13 Jun 19 20:39 +0000", id="inZone"
        ),
        pytest.param(
            "dateInZone",
            ("02 Jan 06 15:04 -0700", TM, "foobar"),
            "13 Jun 19 20:39 +0000",
            id="bad-zone-is-utc",
        ),
        pytest.param(
            "dateInZone", ("15:04 MST", TM, "Europe/Paris"), "22:39 CEST", id="named-zone"
        ),
        pytest.param(
            "dateInZone",
            ("02 Jan 06 15:04", Int64(1560458379), "UTC"),
            "13 Jun 19 20:39",
            id="int64-seconds",
        ),
        pytest.param(
            "dateInZone",
            ("02 Jan 06 15:04", Int32(1560458379), "UTC"),
            "13 Jun 19 20:39",
            id="int32-seconds",
        ),
        pytest.param(
            "dateInZone",
            ("02 Jan 06 15:04", 1560458379, "UTC"),
            "13 Jun 19 20:39",
            id="int-seconds",
        ),
        pytest.param("dateInZone", ("2006-01-02", "", "UTC"), "2024-01-02", id="other-is-now"),
        pytest.param("ago", (NOW - dt.timedelta(seconds=125),), "2m5s", id="ago"),
        pytest.param(
            "ago",
            (NOW - dt.timedelta(seconds=2 * 3600 + 34 * 60 + 17),),
            "2h34m17s",
            id="ago-hours",
        ),
        pytest.param("ago", (NOW + dt.timedelta(seconds=5),), "-5s", id="ago-future"),
        pytest.param(
            "ago", (NOW - dt.timedelta(milliseconds=1500),), "2s", id="ago-rounds-half-up"
        ),
        pytest.param("durationRound", ("2h5s",), "2h", id="durationRound-h"),
        pytest.param("durationRound", ("24h5s",), "1d", id="durationRound-d"),
        pytest.param("durationRound", ("2400h5s",), "3mo", id="durationRound-mo"),
        pytest.param("durationRound", ("9000h",), "1y", id="durationRound-y"),
        pytest.param("durationRound", (Int64(-61 * 10**9),), "1m", id="durationRound-negative"),
        pytest.param("durationRound", (NOW - dt.timedelta(days=3),), "3d", id="durationRound-time"),
        pytest.param("durationRound", (60,), "0s", id="durationRound-int-is-zero"),
    ],
)
def test_date_function(name: str, args: tuple[Any, ...], want: str) -> None:
    assert FNS[name](*args) == want


def test_now_is_the_injected_clock() -> None:
    funcs = FuncMap()
    dates.register(funcs, clock=lambda: NOW)
    now = funcs.get("now")
    assert now is not None and now.fn() == NOW


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param("61", "1m1s", id="string"),
        pytest.param("3600", "1h0m0s", id="hour"),
        pytest.param("93784", "26h3m4s", id="day"),
        pytest.param(Int64(5), "5s", id="int64"),
        pytest.param(60, "0s", id="int-is-zero-quirk"),
        pytest.param("x", "0s", id="junk"),
    ],
)
def test_duration(value: Any, want: str) -> None:
    assert dates.duration(value) == want


def test_to_date_and_formatting_round_trip() -> None:
    parsed = dates.to_date("2006-01-02", "2017-12-31")
    assert FNS["date"]("02/01/2006", parsed) == "31/12/2017"


def test_to_date_failure_is_the_zero_time_and_must_to_date_an_error() -> None:
    assert (
        golayout.time_string(dates.to_date("2006-01-02", "nope")) == "0001-01-01 00:00:00 +0000 UTC"
    )
    with pytest.raises(FuncError, match="day out of range") as e:
        dates.must_to_date("2006-01-02", "2024-02-30")
    assert "2024-02-30" not in str(e.value)


def test_date_modify() -> None:
    assert golayout.time_string(dates.date_modify("24h", TM)) == "2019-06-14 20:39:39 +0000 GMT"
    assert dates.date_modify("1f", TM) == TM
    with pytest.raises(FuncError, match="unknown unit"):
        dates.must_date_modify("1f", TM)


def test_unix_epoch() -> None:
    assert dates.unix_epoch(TM) == "1560458379"
    assert dates.unix_epoch(dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC)) == "-1"


@pytest.mark.parametrize(
    ("layout", "want"),
    [
        pytest.param(
            "Mon Jan _2 15:04:05 MST 2006",
            "Tue Mar  5 14:07:09 -0700 2024",
            id="ansic-unnamed-zone",
        ),
        pytest.param(
            "2006-01-02T15:04:05.999999999Z07:00",
            "2024-03-05T14:07:09.123456-07:00",
            id="rfc3339nano",
        ),
        pytest.param("3:04PM pm", "2:07PM pm", id="12-hour"),
        pytest.param("__2 002", " 65 065", id="year-day"),
        pytest.param(".000 ,999", ".123 ,123", id="fractions"),
        pytest.param("Z07 -07 Z0700 -07:00:00", "-07 -07 -0700 -07:00:00", id="zones"),
        pytest.param(
            "January Monday Jantar", "March Tuesday Jantar", id="names-and-lowercase-rule"
        ),
        pytest.param("06 1 2 _2006", "24 3 5 _2024", id="short-forms"),
    ],
)
def test_format_time_matches_go(layout: str, want: str) -> None:
    t = dt.datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-7), ""))
    assert golayout.format_time(t, layout) == want


@pytest.mark.parametrize(
    ("layout", "value", "want"),
    [
        pytest.param(
            "2006-01-02T15:04:05Z07:00",
            "2024-03-05T14:07:09.5+02:00",
            "2024-03-05 14:07:09.5 +0200 +0200",
            id="offset",
        ),
        pytest.param(
            "2006-01-02T15:04:05Z07:00",
            "2024-03-05T14:07:09Z",
            "2024-03-05 14:07:09 +0000 UTC",
            id="z",
        ),
        pytest.param(
            "2006-01-02 15:04:05",
            "2024-03-05 14:07:09.123",
            "2024-03-05 14:07:09.123 +0000 UTC",
            id="implicit-fraction",
        ),
        pytest.param(
            "02 Jan 06 15:04 MST",
            "05 Mar 24 14:07 CET",
            "2024-03-05 14:07:00 +0000 CET",
            id="zone-name",
        ),
        pytest.param(
            "Jan _2 2006 3:04PM", "Mar  5 2024 12:30AM", "2024-03-05 00:30:00 +0000 UTC", id="am"
        ),
    ],
)
def test_parse_time_matches_go(layout: str, value: str, want: str) -> None:
    assert golayout.time_string(golayout.parse_time(layout, value)) == want


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("2024-13-01", "month out of range", id="month"),
        pytest.param("2024-01-01x", "extra text", id="extra"),
        pytest.param("24-01-01", 'cannot parse value as "2006"', id="year"),
    ],
)
def test_parse_time_errors(value: str, message: str) -> None:
    with pytest.raises(golayout.TimeParseError, match=message):
        golayout.parse_time("2006-01-02", value)


@pytest.mark.parametrize(
    ("nanos", "want"),
    [
        (0, "0s"), (1, "1ns"), (1500, "1.5µs"), (1_500_000, "1.5ms"), (10**9, "1s"),
        (3_723_500_000_000, "1h2m3.5s"), (-90 * 60 * 10**9, "-1h30m0s"),
        (2**63 - 1, "2562047h47m16.854775807s"), (-(2**63), "-2562047h47m16.854775808s"),
    ],
)  # fmt: skip
def test_format_duration(nanos: int, want: str) -> None:
    assert goduration.format_duration(nanos) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1h30m", 5400 * 10**9), ("1.5h", 5400 * 10**9), ("-1.5s", -1_500_000_000),
        ("+5s", 5 * 10**9), ("1µs", 1000), ("1us", 1000), ("0", 0), ("1.0000000001s", 10**9),
        ("300ms", 300_000_000),
    ],
)  # fmt: skip
def test_parse_duration(text: str, want: int) -> None:
    assert goduration.parse_duration(text) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid duration"), (".s", "invalid duration"), ("1", "missing unit"),
        ("1x", "unknown unit"), ("9223372036854775808ns", "invalid duration"),
    ],
)  # fmt: skip
def test_parse_duration_errors_do_not_quote_the_input(text: str, message: str) -> None:
    with pytest.raises(goduration.DurationError, match=message) as e:
        goduration.parse_duration(text)
    assert text not in str(e.value) or not text


@pytest.mark.parametrize(
    ("d", "m", "want"),
    [
        (1500, 1000, 2000), (-1500, 1000, -2000), (1499, 1000, 1000), (-1499, 1000, -1000),
        (7, 0, 7), (2**63 - 1, 1000, 2**63 - 1),
    ],
)  # fmt: skip
def test_round_duration_rounds_half_away_from_zero_and_saturates(d: int, m: int, want: int) -> None:
    assert goduration.round_duration(d, m) == want


@pytest.mark.parametrize(
    ("layout", "value", "message"),
    [
        pytest.param("3:04PM", "13:00PM", "hour out of range", id="hour12"),
        pytest.param(
            "15:04 -0700", "10:00 +2500", "time zone offset hour out of range", id="zone-hour"
        ),
        pytest.param("15:04", "10:61", "minute out of range", id="minute"),
    ],
)
def test_parse_time_range_errors(layout: str, value: str, message: str) -> None:
    with pytest.raises(golayout.TimeParseError, match=message):
        golayout.parse_time(layout, value)
