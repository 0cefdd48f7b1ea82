"""Go's reference-time layouts (``2006-01-02T15:04:05Z07:00``): ``Time.Format``,
``time.ParseInLocation`` and ``Time.String``, for sprig's ``date``, ``toDate``...

Go layouts are not strftime: a layout is an example of the reference time, tokenised by
Go's ``nextStdChunk`` rules ("Jan" is a month unless a lower-case letter follows, ``_2`` is
a space-padded day, ``.000``/``.999`` are fractional seconds), so the tokeniser is restated
and both directions share it. Limits of this port: Python datetimes have microseconds, so
nanosecond digits beyond six print as zeros; years outside 1..9999 are unsupported, so a
layout without a year parses to year 1 where Go gives year 0.
Parse errors keep Go's wording minus the quoted input (it may be secret data).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TimeParseError", "format_time", "parse_time", "time_string"]

UTC = _dt.UTC
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_TZ_TOKENS = (
    ("Z070000", "Z070000"), ("Z07:00:00", "Z07:00:00"), ("Z0700", "Z0700"),
    ("Z07:00", "Z07:00"), ("Z07", "Z07"),
    ("-070000", "-070000"), ("-07:00:00", "-07:00:00"), ("-0700", "-0700"),
    ("-07:00", "-07:00"), ("-07", "-07"),
)  # fmt: skip


class TimeParseError(ValueError):
    """``time.Parse`` failed."""


def _next_chunk(layout: str) -> tuple[str, str, str]:
    """Go's ``nextStdChunk``: (literal prefix, std token or "", rest of layout)."""
    for i, c in enumerate(layout):
        rest = layout[i:]
        tok = _token_at(rest, c)
        if tok:
            std, size, keep = tok
            return layout[: i + keep], std, layout[i + size :]
    return layout, "", ""


def _lower_next(s: str) -> bool:
    return bool(s) and "a" <= s[0] <= "z"


def _token_at(s: str, c: str) -> tuple[str, int, int] | None:
    """(token, its length in the layout, literal characters kept before it)."""
    if c == "J" and s.startswith("Jan"):
        if s.startswith("January"):
            return "January", 7, 0
        return None if _lower_next(s[3:]) else ("Jan", 3, 0)
    if c == "M":
        if s.startswith("Monday"):
            return "Monday", 6, 0
        if s.startswith("Mon") and not _lower_next(s[3:]):
            return "Mon", 3, 0
        return ("MST", 3, 0) if s.startswith("MST") else None
    if c == "0":
        if len(s) >= 2 and "1" <= s[1] <= "6":
            return s[:2], 2, 0
        return ("002", 3, 0) if s.startswith("002") else None
    if c == "1":
        return ("15", 2, 0) if s.startswith("15") else ("1", 1, 0)
    if c == "2":
        return ("2006", 4, 0) if s.startswith("2006") else ("2", 1, 0)
    if c == "_":
        if s.startswith("_2006"):
            return "2006", 5, 1
        if s.startswith("_2"):
            return "_2", 2, 0
        return ("__2", 3, 0) if s.startswith("__2") else None
    if c in "345":
        return c, 1, 0
    if c == "P" and s.startswith("PM"):
        return "PM", 2, 0
    if c == "p" and s.startswith("pm"):
        return "pm", 2, 0
    if c in "-Z":
        return next(((t, len(t), 0) for t, _ in _TZ_TOKENS if s.startswith(t)), None)
    if c in ".," and len(s) > 1 and s[1] in "09":
        j = 1
        while j < len(s) and s[j] == s[1]:
            j += 1
        if not (j < len(s) and s[j].isdigit()):
            return c + s[1:j], j, 0
    return None


def _tokens(layout: str) -> list[tuple[str, str]]:
    out = []
    while layout:
        prefix, std, layout = _next_chunk(layout)
        out.append((prefix, std))
    return out


# --- formatting -------------------------------------------------------------------------


def _offset(t: _dt.datetime) -> int:
    off = t.utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _zone(std: str, t: _dt.datetime) -> str:
    off = _offset(t)
    if std.startswith("Z") and off == 0:
        return "Z"
    sign = "-" if off < 0 else "+"
    off = abs(off)
    hh, mm, ss = off // 3600, off // 60 % 60, off % 60
    colon = ":" if ":" in std else ""
    out = f"{sign}{hh:02d}"
    if len(std) > 3:
        out += f"{colon}{mm:02d}"
    if len(std.replace(":", "")) == 7:
        out += f"{colon}{ss:02d}"
    return out


def zone_name(t: _dt.datetime) -> str:
    """Go's zone abbreviation; a fixed offset without a name prints as ``+0200``.

    Python names an unnamed ``timezone(offset)`` ``UTC+02:00``; Go has no name for it.
    """
    name = t.tzname() or ""
    off = _offset(t) // 60
    if name == "UTC" and off == 0:
        return name
    if name and not name.startswith(("UTC+", "UTC-")):
        return name
    return f"{'-' if off < 0 else '+'}{abs(off) // 60:02d}{abs(off) % 60:02d}"


def _frac(std: str, t: _dt.datetime) -> str:
    digits = f"{t.microsecond:06d}000"[: len(std) - 1]
    if std[1] == "9":
        digits = digits.rstrip("0")
        return std[0] + digits if digits else ""
    return std[0] + digits


def _hour12(t: _dt.datetime) -> int:
    return t.hour % 12 or 12


def _format_std(std: str, t: _dt.datetime) -> str:
    simple: dict[str, Callable[[], str]] = {
        "2006": lambda: f"{t.year:04d}",
        "06": lambda: f"{t.year % 100:02d}",
        "January": lambda: _MONTHS[t.month - 1],
        "Jan": lambda: _MONTHS[t.month - 1][:3],
        "1": lambda: str(t.month),
        "01": lambda: f"{t.month:02d}",
        "Monday": lambda: _DAYS[t.weekday()],
        "Mon": lambda: _DAYS[t.weekday()][:3],
        "2": lambda: str(t.day),
        "_2": lambda: f"{t.day:2d}",
        "02": lambda: f"{t.day:02d}",
        "__2": lambda: f"{t.timetuple().tm_yday:3d}",
        "002": lambda: f"{t.timetuple().tm_yday:03d}",
        "15": lambda: f"{t.hour:02d}",
        "3": lambda: str(_hour12(t)),
        "03": lambda: f"{_hour12(t):02d}",
        "4": lambda: str(t.minute),
        "04": lambda: f"{t.minute:02d}",
        "5": lambda: str(t.second),
        "05": lambda: f"{t.second:02d}",
        "PM": lambda: "PM" if t.hour >= 12 else "AM",
        "pm": lambda: "pm" if t.hour >= 12 else "am",
        "MST": lambda: zone_name(t),
    }
    if std in simple:
        return simple[std]()
    if std[0] in ".,":
        return _frac(std, t)
    return _zone(std, t)


def format_time(t: _dt.datetime, layout: str) -> str:
    """``t.Format(layout)``."""
    return "".join(prefix + (_format_std(std, t) if std else "") for prefix, std in _tokens(layout))


def time_string(t: _dt.datetime) -> str:
    """``t.String()`` (without the monotonic clock reading Go appends to ``time.Now()``)."""
    return format_time(t, "2006-01-02 15:04:05.999999999 -0700 MST")


# --- parsing ----------------------------------------------------------------------------


@dataclass
class _Fields:
    year: int = 1
    month: int = -1
    day: int = -1
    yday: int = -1
    hour: int = 0
    minute: int = 0
    second: int = 0
    micro: int = 0
    pm: bool | None = None
    offset: int | None = None
    utc: bool = False
    zone: str = ""


def _bad(what: str) -> TimeParseError:
    return TimeParseError(f"parsing time: {what}")


def _skip(value: str, prefix: str) -> str:
    while prefix:
        if prefix[0] == " ":
            if value and value[0] != " ":
                raise _bad("cannot parse value as literal text")
            prefix, value = prefix.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != prefix[0]:
            raise _bad("cannot parse value as literal text")
        prefix, value = prefix[1:], value[1:]
    return value


def _num(value: str, *, fixed: int, most: int, std: str) -> tuple[int, str]:
    n = 0
    while n < len(value) and n < most and value[n].isdigit() and value[n].isascii():
        n += 1
    if n < (fixed or 1):
        raise _bad(f'cannot parse value as "{std}"')
    return int(value[:n]), value[n:]


def _lookup(value: str, names: list[str], std: str) -> tuple[int, str]:
    for i, name in enumerate(names):
        if value[: len(name)].lower() == name.lower():
            return i, value[len(name) :]
    raise _bad(f'cannot parse value as "{std}"')


def _parse_zone(std: str, value: str, f: _Fields) -> str:
    if std.startswith("Z") and value.startswith("Z"):
        f.utc = True
        return value[1:]
    sign = value[:1]
    if sign not in ("+", "-"):
        raise _bad(f'cannot parse value as "{std}"')
    body = std[1:].replace(":", "")
    colon = ":" in std
    need = 1 + len(std) - 1
    chunk = value[:need]
    if len(chunk) < need or (colon and any(chunk[i] != ":" for i in range(3, need, 3))):
        raise _bad(f'cannot parse value as "{std}"')
    digits = chunk[1:].replace(":", "")
    if not digits.isdigit() or len(digits) != len(body):
        raise _bad(f'cannot parse value as "{std}"')
    hh, mm, ss = int(digits[0:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    for name, part in (("hour", hh), ("minute", mm), ("second", ss)):
        if part > (24 if name == "hour" else 60):
            raise _bad(f"time zone offset {name} out of range")
    off = hh * 3600 + mm * 60 + ss
    f.offset = -off if sign == "-" else off
    return value[need:]


def _parse_frac(std: str, value: str, f: _Fields) -> str:
    if std[1] == "0":
        n = len(std)
        if len(value) < n or value[0] not in ".," or not value[1:n].isdigit():
            raise _bad(f'cannot parse value as "{std}"')
        f.micro = int((value[1:n] + "000000")[:6])
        return value[n:]
    if len(value) < 2 or value[0] not in ".," or not value[1].isdigit():
        return value
    n = 1
    while n < len(value) and value[n].isdigit() and n <= 9:
        n += 1
    f.micro = int((value[1:n] + "000000")[:6])
    return value[n:]


_NUMS = {
    "1": ("month", 0, 2), "01": ("month", 2, 2), "2": ("day", 0, 2), "02": ("day", 2, 2),
    "_2": ("day", 0, 2), "__2": ("yday", 0, 3), "002": ("yday", 3, 3),
    "15": ("hour", 0, 2), "3": ("hour", 0, 2), "03": ("hour", 2, 2),
    "4": ("minute", 0, 2), "04": ("minute", 2, 2), "5": ("second", 0, 2), "05": ("second", 2, 2),
}  # fmt: skip


def _parse_std(std: str, value: str, f: _Fields, rest_layout: str) -> str:
    if std in _NUMS:
        attr, fixed, most = _NUMS[std]
        if std in ("_2", "__2"):
            spaces = 2 if std == "__2" else 1
            value = value[min(spaces, len(value) - len(value.lstrip(" "))) :]
        n, value = _num(value, fixed=fixed, most=most, std=std)
        if std in ("3", "03") and n > 12:
            raise _bad("hour out of range")
        setattr(f, attr, n)
        if attr == "second" and len(value) >= 2 and value[0] in ".," and value[1].isdigit():
            nxt = _next_chunk(rest_layout)[1]
            if not (nxt and nxt[0] in ".,"):
                return _parse_frac(".999999999", value, f)
        return value
    if std == "2006":
        if len(value) < 4 or not value[:4].isdigit():
            raise _bad('cannot parse value as "2006"')
        f.year = int(value[:4])
        return value[4:]
    if std == "06":
        n, value = _num(value, fixed=2, most=2, std=std)
        f.year = n + (1900 if n >= 69 else 2000)
        return value
    if std in ("January", "Jan"):
        names = _MONTHS if std == "January" else [m[:3] for m in _MONTHS]
        i, value = _lookup(value, names, std)
        f.month = i + 1
        return value
    if std in ("Monday", "Mon"):
        return _lookup(value, _DAYS if std == "Monday" else [d[:3] for d in _DAYS], std)[1]
    if std in ("PM", "pm"):
        ampm = value[:2]
        pm, am = ("PM", "AM") if std == "PM" else ("pm", "am")
        if ampm not in (pm, am):
            raise _bad(f'cannot parse value as "{std}"')
        f.pm = ampm == pm
        return value[2:]
    if std == "MST":
        return _parse_zone_name(value, f)
    if std[0] in ".,":
        return _parse_frac(std, value, f)
    return _parse_zone(std, value, f)


def _parse_zone_name(value: str, f: _Fields) -> str:
    if value.startswith("UTC"):
        f.zone = "UTC"
        return value[3:]
    n = 0
    while n < len(value) and "A" <= value[n] <= "Z":
        n += 1
    if n < 3:
        raise _bad('cannot parse value as "MST"')
    f.zone = value[:n]
    return value[n:]


def parse_time(layout: str, value: str, *, loc: _dt.tzinfo = UTC) -> _dt.datetime:
    """``time.ParseInLocation(layout, value, loc)``; ESO's Local zone is UTC."""
    f = _Fields()
    chunks = _tokens(layout)
    for i, (prefix, std) in enumerate(chunks):
        value = _skip(value, prefix)
        if std:
            rest = "".join(p + s for p, s in chunks[i + 1 :])
            value = _parse_std(std, value, f, rest)
    if value:
        raise _bad("extra text")
    return _build(f, loc)


def _build(f: _Fields, loc: _dt.tzinfo) -> _dt.datetime:
    if f.pm is True and f.hour < 12:
        f.hour += 12
    elif f.pm is False and f.hour == 12:
        f.hour = 0
    if f.yday >= 0 and f.month < 0:
        try:
            d = _dt.date(f.year, 1, 1) + _dt.timedelta(days=f.yday - 1)
        except (ValueError, OverflowError):
            raise _bad("day-of-year out of range") from None
        f.month, f.day = d.month, d.day
    f.month = 1 if f.month < 0 else f.month
    f.day = 1 if f.day < 0 else f.day
    if not 1 <= f.month <= 12:
        raise _bad("month out of range")
    for name, value, top in (
        ("hour", f.hour, 23),
        ("minute", f.minute, 59),
        ("second", f.second, 59),
    ):
        if value > top:
            raise _bad(f"{name} out of range")
    try:
        naive = _dt.datetime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.micro)
    except ValueError:
        raise _bad("day out of range") from None
    if f.utc:
        return naive.replace(tzinfo=UTC)
    if f.offset is not None:
        if f.offset == 0:
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=_dt.timezone(_dt.timedelta(seconds=f.offset), f.zone))
    if f.zone:
        if f.zone == "UTC":
            return naive.replace(tzinfo=UTC)
        off = 0
        if f.zone.startswith("GMT") and f.zone[3:].lstrip("+-").isdigit():
            off = int(f.zone[3:]) * 3600
        return naive.replace(tzinfo=_dt.timezone(_dt.timedelta(seconds=off), f.zone))
    return naive.replace(tzinfo=loc)
