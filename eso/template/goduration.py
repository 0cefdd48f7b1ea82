"""Go's ``time.Duration``: ``String()`` (``1h2m3.5s``, ``1.5ms``, ``0s``), ``ParseDuration``
and ``Round``, as sprig's ``duration``, ``durationRound``, ``ago`` and ``dateModify`` use them.

Durations are int64 nanoseconds; Go's printer works on the unsigned magnitude, so even the
minimum int64 prints. Parse errors keep Go's wording but not the offending text (it came from
a template and may carry secret data).
"""

from __future__ import annotations

import re

from eso.template.values import Duration

__all__ = ["DurationError", "format_duration", "parse_duration", "round_duration"]

NANOSECOND = 1
MICROSECOND = 1000
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_INT64_MAX = (1 << 63) - 1
_UNITS = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "\u00b5s": MICROSECOND,
    "\u03bcs": MICROSECOND,
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}
_PART = re.compile(r"([0-9]*)(\.[0-9]*)?([^0-9.]*)")


class DurationError(ValueError):
    """``time.ParseDuration`` failed."""


def _frac(value: int, prec: int) -> tuple[str, int]:
    """Go's ``fmtFrac``: ``value``'s last ``prec`` digits as a fraction without trailing 0s."""
    digits = ""
    printed = False
    for _ in range(prec):
        digit = value % 10
        printed = printed or digit != 0
        if printed:
            digits = str(digit) + digits
        value //= 10
    return ("." + digits if printed else ""), value


def format_duration(nanos: int) -> str:
    """``time.Duration(nanos).String()``."""
    u = abs(int(nanos))
    sign = "-" if nanos < 0 else ""
    if u == 0:
        return "0s"
    if u < SECOND:
        prec, unit = (
            (0, "ns") if u < MICROSECOND else (3, "\u00b5s") if u < MILLISECOND else (6, "ms")
        )
        frac, whole = _frac(u, prec)
        return f"{sign}{whole}{frac}{unit}"
    frac, secs = _frac(u, 9)
    out = f"{secs % 60}{frac}s"
    minutes = secs // 60
    if minutes:
        out = f"{minutes % 60}m{out}"
        if minutes // 60:
            out = f"{minutes // 60}h{out}"
    return sign + out


def parse_duration(text: str) -> Duration:
    """``time.ParseDuration``: ``"1h30m"``, ``"-1.5s"``, ``"300ms"``; ``"0"`` needs no unit."""
    s = text
    neg = s[:1] == "-"
    if s[:1] in ("-", "+"):
        s = s[1:]
    if s == "0":
        return Duration(0)
    if s == "":
        raise DurationError("time: invalid duration")
    total = 0
    while s:
        m = _PART.match(s)
        assert m is not None
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
        if not whole and len(frac) <= 1:
            raise DurationError("time: invalid duration")
        if not unit:
            raise DurationError("time: missing unit in duration")
        if unit not in _UNITS:
            raise DurationError("time: unknown unit in duration")
        scale = _UNITS[unit]
        value = int(whole or "0") * scale
        if len(frac) > 1:
            # Go scales the fraction in float64, which a few long fractions notice.
            digits = frac[1:20]
            value += int(float(int(digits)) * (float(scale) / float(10 ** len(digits))))
        total += value
        if total > (1 << 63):
            raise DurationError("time: invalid duration")
        s = s[m.end() :]
    if total > _INT64_MAX and not neg:
        raise DurationError("time: invalid duration")
    return Duration(-total if neg else total)


def round_duration(d: int, m: int) -> int:
    """``Duration.Round(m)``: halves round away from zero."""
    if m <= 0:
        return d
    r = abs(d) % m
    if d < 0:
        return d + r if r + r < m else max(d - m + r, -(1 << 63))
    return d - r if r + r < m else min(d + m - r, _INT64_MAX)
