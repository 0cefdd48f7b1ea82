"""Two facts of Go's ``reflect`` that plain Python values cannot carry.

``MISSING`` is Go's invalid ``reflect.Value``: "no value at all", distinct from a nil interface
(``None``).

Go tells the two apart: a missing map key (with the default ``missingkey``) or the result of a
pipeline that yields a nil interface is *invalid* and prints ``<no value>``, while a nil stored
in a ``map[string]interface{}`` is a valid nil interface that errors on field access with
"nil pointer evaluating interface {}.x". The engine and the builtins share this one sentinel.

``Iface`` boxes a value whose Go static type is ``interface {}`` (an element or field of an
untyped list or map). Go unwraps such values almost everywhere, but a few messages name the
static type ("can't evaluate field x in type interface {}") and ``slice`` refuses them as
indexes, so the executor keeps the box until a value is used.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MISSING", "Iface", "Missing"]


class Missing:
    """The type of ``MISSING``; never instantiate another."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


class Iface:
    """A value in an ``interface {}``-typed slot."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value
