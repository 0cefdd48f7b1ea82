"""Go's ``String`` forms of ``time.Duration`` and ``time.Time``, which ``fmt`` prints.

``{{ .d }}`` of a Duration prints ``1h2m3.5s`` and of a time ``2006-01-02 15:04:05 +0000 UTC``
because both types have a ``String`` method in Go; ``fmt`` calls it for ``%v %s %q %x``.
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["format_duration", "format_time"]


def format_duration(ns: int) -> str:
    """``time.Duration.String``: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)
    if u < 1_000_000_000:
        for unit, size in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if u < size * 1000:
                return sign + _frac(u, size=size) + unit
    secs = _frac(u % 60_000_000_000, size=1_000_000_000) + "s"
    mins, hours = (u // 60_000_000_000) % 60, u // 3_600_000_000_000
    if hours:
        return f"{sign}{hours}h{mins}m{secs}"
    if mins:
        return f"{sign}{mins}m{secs}"
    return sign + secs


def _frac(value: int, *, size: int) -> str:
    whole, rest = divmod(value, size)
    if not rest:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}.{rest:0{digits}d}".rstrip("0")


def format_time(t: _dt.datetime) -> str:
    """``time.Time.String``: ``2006-01-02 15:04:05.999999999 -0700 MST``."""
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    off = t.utcoffset() or _dt.timedelta(0)
    mins = int(off.total_seconds()) // 60
    zone = f"{'+' if mins >= 0 else '-'}{abs(mins) // 60:02d}{abs(mins) % 60:02d}"
    name = t.tzname() or ""
    if name in ("", "UTC") and mins == 0:
        name = "UTC"
    elif not name or name.startswith(("UTC+", "UTC-")):
        name = zone
    return f"{t:%Y-%m-%d %H:%M:%S}{frac} {zone} {name}"
