"""Go's ``IsTrue``: what ``if``, ``with``, ``and``, ``or`` and ``not`` consider true.

Zero values are false (0, "", empty list or map, false, nil, no value); everything else, time
values included, is true. The second result is Go's "ok": always True for the values of the
template value model.
"""

from __future__ import annotations

from typing import Any

from eso.template.missing import MISSING

__all__ = ["is_true"]


def is_true(v: Any) -> tuple[bool, bool]:
    """``(truth, ok)`` of ``v`` with Go's rules."""
    if v is MISSING or v is None:
        return False, True
    if isinstance(v, bool):
        return v, True
    if isinstance(v, int | float):
        return v != 0, True
    if isinstance(v, str | bytes | list | dict):
        return len(v) > 0, True
    return True, True
