"""Sprig's date functions: ``now``, ``date``, ``dateInZone``, ``toDate``, ``dateModify``,
``ago``, ``duration``, ``durationRound``, ``unixEpoch``, ``htmlDate``...

Sprig's type switches decide what a "date" is: a ``time.Time``, or Unix seconds given as
``int``/``int64``/``int32`` (``ago`` and ``date``), anything else meaning *now*; ``duration``
takes only a string or an ``int64`` (a template literal ``60`` is an ``int``, so it gives
"0s", a real sprig quirk). ESO runs in a container without a local zone, so Go's ``Local``
is UTC, and unknown zone names fall back to UTC as sprig does. The clock is injectable
(``clock``) for tests.
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from eso.template.functions.registry import FuncError, FuncMap
from eso.template.goduration import (
    SECOND,
    DurationError,
    format_duration,
    parse_duration,
    round_duration,
)
from eso.template.golayout import UTC, TimeParseError, format_time, parse_time
from eso.template.values import Int32, Int64

__all__ = ["register"]

Clock = Callable[[], _dt.datetime]
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_ZERO_TIME = _dt.datetime(1, 1, 1, tzinfo=UTC)
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")


def system_clock() -> _dt.datetime:
    return _dt.datetime.now(UTC)


def _load_zone(name: str) -> _dt.tzinfo:
    """``time.LoadLocation`` falling back to UTC (sprig ignores the error)."""
    if name in ("", "UTC", "Local") or not _ZONE_NAME.fullmatch(name):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def _from_unix(seconds: int) -> _dt.datetime:
    try:
        return _EPOCH + _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise FuncError("date: Unix time outside the supported years 1-9999") from None


def _as_time(value: Any, *, clock: Clock, ints: tuple[type, ...]) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if type(value) in ints:
        return _from_unix(int(value))
    return clock()


def _nanos_between(a: _dt.datetime, b: _dt.datetime) -> int:
    delta = a - b
    return (delta.days * 86400 + delta.seconds) * SECOND + delta.microseconds * 1000


def _add(t: _dt.datetime, nanos: int) -> _dt.datetime:
    try:
        return t + _dt.timedelta(microseconds=nanos // 1000)
    except OverflowError:
        raise FuncError("date: result outside the supported years 1-9999") from None


def make_functions(clock: Clock = system_clock) -> dict[str, Callable[..., Any]]:
    """The date functions bound to ``clock`` (tests pass a fixed one)."""
    date_ints = (int, Int64, Int32)

    def date_in_zone(layout: str, date: Any, zone: str) -> str:
        t = _as_time(date, clock=clock, ints=date_ints)
        return format_time(t.astimezone(_load_zone(zone)), layout)

    def ago(date: Any) -> str:
        t = _as_time(date, clock=clock, ints=(int, Int64))
        return format_duration(round_duration(_nanos_between(clock(), t), SECOND))

    def duration_round(value: Any) -> str:
        d = 0
        if isinstance(value, str):
            try:
                d = parse_duration(value)
            except DurationError:
                d = 0
        elif type(value) is Int64:
            d = int(value)
        elif isinstance(value, _dt.datetime):
            d = _nanos_between(clock(), value)
        return _round_coarse(d)

    return {
        "now": clock,
        "date": lambda layout, date: date_in_zone(layout, date, "Local"),
        "dateInZone": date_in_zone,
        "htmlDate": lambda date: date_in_zone("2006-01-02", date, "Local"),
        "htmlDateInZone": lambda date, zone: date_in_zone("2006-01-02", date, zone),
        "ago": ago,
        "durationRound": duration_round,
    }


_COARSE = (
    (365 * 24 * 3600 * SECOND, "y"),
    (30 * 24 * 3600 * SECOND, "mo"),
    (24 * 3600 * SECOND, "d"),
    (3600 * SECOND, "h"),
    (60 * SECOND, "m"),
    (SECOND, "s"),
)


def _round_coarse(nanos: int) -> str:
    """Sprig's ``durationRound``: the largest unit the duration strictly exceeds."""
    u = abs(nanos)
    for size, unit in _COARSE:
        if u > size:
            return f"{u // size}{unit}"
    return "0s"


def date_modify(modifier: str, date: _dt.datetime) -> _dt.datetime:
    try:
        return _add(date, parse_duration(modifier))
    except DurationError:
        return date


def must_date_modify(modifier: str, date: _dt.datetime) -> _dt.datetime:
    try:
        return _add(date, parse_duration(modifier))
    except DurationError as e:
        raise FuncError(str(e)) from None


def duration(seconds: Any) -> str:
    n = 0
    if isinstance(seconds, str):
        n = int(seconds) if re.fullmatch(r"[+-]?[0-9]+", seconds) else 0
        if not -(1 << 63) <= n < (1 << 63):
            n = (1 << 63) - 1 if n > 0 else -(1 << 63)
    elif type(seconds) is Int64:
        n = int(seconds)
    wrapped = (n * SECOND + (1 << 63)) % (1 << 64) - (1 << 63)
    return format_duration(wrapped)


def to_date(layout: str, value: str) -> _dt.datetime:
    try:
        return parse_time(layout, value)
    except TimeParseError:
        return _ZERO_TIME


def must_to_date(layout: str, value: str) -> _dt.datetime:
    try:
        return parse_time(layout, value)
    except TimeParseError as e:
        raise FuncError(str(e)) from None


def unix_epoch(date: _dt.datetime) -> str:
    return str((date - _EPOCH) // _dt.timedelta(seconds=1))


def register(funcs: FuncMap, *, clock: Clock = system_clock) -> None:
    r = funcs.register
    anyv = "interface {}"
    fns = make_functions(clock)
    r("now", result="time.Time")(fns["now"])
    r("date", "string", anyv, result="string")(fns["date"])
    r("dateInZone", "string", anyv, "string", result="string")(fns["dateInZone"])
    funcs.alias("date_in_zone", "dateInZone")
    r("htmlDate", anyv, result="string")(fns["htmlDate"])
    r("htmlDateInZone", anyv, "string", result="string")(fns["htmlDateInZone"])
    r("ago", anyv, result="string")(fns["ago"])
    r("durationRound", anyv, result="string")(fns["durationRound"])
    r("duration", anyv, result="string")(duration)
    r("dateModify", "string", "time.Time", result="time.Time")(date_modify)
    funcs.alias("date_modify", "dateModify")
    r("mustDateModify", "string", "time.Time", result="time.Time", returns_error=True)(
        must_date_modify
    )
    funcs.alias("must_date_modify", "mustDateModify")
    r("toDate", "string", "string", result="time.Time")(to_date)
    r("mustToDate", "string", "string", result="time.Time", returns_error=True)(must_to_date)
    r("unixEpoch", "time.Time", result="string")(unix_epoch)
