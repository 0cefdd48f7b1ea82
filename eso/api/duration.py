"""Go ``time.Duration`` strings, as ESO's fields and flags use them (``1h``, ``30s``, ``1m30s``).

ESO users write ``refreshInterval: 1m`` and ``--store-requeue-interval=5m``; we parse exactly
what Go's ``time.ParseDuration`` accepts so manifests behave identically, and format back the
same way for status and printing.
"""

from __future__ import annotations

import re

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """The text is not a Go duration."""


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string such as ``1h30m`` or ``-1.5s``; raises DurationError."""
    s = text  # Go does not trim: " 1h" is invalid
    if not s:
        raise DurationError("empty duration")
    sign = 1.0
    if s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None:
            raise DurationError(f"invalid duration {text!r}")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise DurationError(f"invalid duration {text!r}")
    return sign * total


def _format_small(seconds: float) -> str:
    """Below one second Go picks the largest unit that keeps the integer part non-zero."""
    nanos = round(seconds * 1e9)
    if nanos < 1_000:
        return f"{nanos}ns"
    if nanos < 1_000_000:
        return f"{_trim(nanos / 1e3, 3)}µs"
    return f"{_trim(nanos / 1e6, 6)}ms"


def _trim(value: float, digits: int) -> str:
    """A decimal without trailing zeros, as Go prints fractional units (``1.5``, ``30``)."""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def format_duration(seconds: float) -> str:
    """Go's ``Duration.String``: ``1h0m0s``, ``1m30s``, ``0s``, ``1.5s``, ``250ms``, ``1.5µs``."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    if rest < 1:
        return sign + _format_small(rest)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{_trim(secs, 9)}s"
    if hours:
        return f"{sign}{int(hours)}h{int(minutes)}m{sec_text}"
    if minutes:
        return f"{sign}{int(minutes)}m{sec_text}"
    return f"{sign}{sec_text}"
