"""Go's invalid ``reflect.Value``: "no value at all", distinct from a nil interface (``None``).

Go tells the two apart: a missing map key (with the default ``missingkey``) or the result of a
pipeline that yields a nil interface is *invalid* and prints ``<no value>``, while a nil stored
in a ``map[string]interface{}`` is a valid nil interface that errors on field access with
"nil pointer evaluating interface {}.x". The engine and the builtins share this one sentinel.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MISSING", "Missing"]


class Missing:
    """The type of ``MISSING``; never instantiate another."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()
