"""The one place functions check the output limits of ``registry`` (hostile templates).

Go would happily build a gigabyte string for ``repeat 1000000000 "x"``; the controller must
not. Functions that can grow their output beyond their input ask here *before* building it.
"""

from __future__ import annotations

from eso.template.functions.registry import MAX_ITEMS, MAX_OUTPUT, FuncError

__all__ = ["check_items", "check_output"]


def check_output(size: int, *, func: str) -> None:
    """Refuse to build ``size`` characters (or bytes) of output."""
    if size > MAX_OUTPUT:
        raise FuncError(f"{func}: output exceeds the template limit of {MAX_OUTPUT} bytes")


def check_items(count: int, *, func: str) -> None:
    """Refuse to build a list or map of ``count`` items."""
    if count > MAX_ITEMS:
        raise FuncError(f"{func}: result exceeds the template limit of {MAX_ITEMS} items")
