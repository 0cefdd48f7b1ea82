"""The Go value model templates see, as plain Python values plus a few marker types.

Go templates are dynamically typed over Go's static types: ``printf "%T"``, ``typeOf``,
``kindOf``, the zero value ``index`` returns for a missing map key, and argument checks
("wrong type for value; expected int; got string") all depend on the Go type of a value, not
only on its Python shape. Ordinary values stay ordinary Python objects so functions are easy
to write and fast; the few Go types that Python cannot tell apart get a marker subclass.

The mapping (the contract every function in ``eso.template.functions`` follows):

=========================  ============================================================
Go                         Python
=========================  ============================================================
``string``                 ``str``
``bool``                   ``bool``
``int``                    ``int`` (plain; Go's ``int`` is 64-bit here, like amd64)
``int64`` / ``int32``...   ``Int64`` / ``Int32`` / ``Int8`` / ``Int16`` (``int`` subclasses)
``uint`` / ``uint8``...    ``Uint`` / ``Uint8`` (``byte``) / ``Uint16`` / ``Uint32`` / ``Uint64``
``float64``                ``float``
``float32``                ``Float32``
``[]byte``                 ``bytes``
``[]interface{}``          ``list``
``[]string``               ``StringSlice`` (``list`` subclass)
``[]int``                  ``IntSlice`` (``list`` subclass; sprig's ``until``)
``[][]interface {}``       ``SliceOfSlices`` (``list`` subclass; sprig's ``chunk``)
nil ``[]interface {}``     ``NilSlice`` (empty; ``rest`` of nothing): JSON ``null``
nil ``[]string``           ``NilStringSlice`` (``regexFindAll`` without a match)
``map[string]interface{}`` ``dict``
``map[string]string``      ``StringMap`` (``dict`` subclass; the template's dot in ESO)
``time.Time``              ``datetime.datetime`` (always timezone-aware)
``time.Duration``          ``Duration`` (``int`` subclass, nanoseconds)
``nil``                    ``None``
=========================  ============================================================

``go_type_name(value)`` gives Go's ``%T`` name and ``go_kind(value)`` ``reflect.Kind``'s name.

Other Go values a function returns (sprig's ``certificate`` struct, ``*semver.Version``) are
objects carrying ``go_type`` and ``go_kind`` attributes (``GoObject``); those with methods
templates may call (``(semver "1.2.3").Major``) list them in ``go_methods``: name → the
method's ``Func`` (``eso.template.functions.registry``) whose callable takes the receiver
first.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any


class Int64(int):
    """Go ``int64`` (sprig's arithmetic returns it)."""

    __slots__ = ()


class Int32(int):
    """Go ``int32`` (also ``rune``)."""

    __slots__ = ()


class Int16(int):
    """Go ``int16``."""

    __slots__ = ()


class Int8(int):
    """Go ``int8``."""

    __slots__ = ()


class Uint(int):
    """Go ``uint``."""

    __slots__ = ()


class Uint8(int):
    """Go ``uint8`` (``byte``)."""

    __slots__ = ()


class Uint16(int):
    """Go ``uint16``."""

    __slots__ = ()


class Uint32(int):
    """Go ``uint32``."""

    __slots__ = ()


class Uint64(int):
    """Go ``uint64``."""

    __slots__ = ()


class Float32(float):
    """Go ``float32``."""

    __slots__ = ()


class Duration(int):
    """Go ``time.Duration``: nanoseconds; prints like Go (``1h2m3s``)."""

    __slots__ = ()


class StringSlice(list[str]):
    """Go ``[]string``."""

    __slots__ = ()


class IntSlice(list[int]):
    """Go ``[]int`` (sprig's ``until`` and ``untilStep``)."""

    __slots__ = ()


class SliceOfSlices(list[list[Any]]):
    """Go ``[][]interface {}`` (sprig's ``chunk``)."""

    __slots__ = ()


class NilSlice(list[Any]):
    """A nil ``[]interface {}``: empty like ``[]interface {}{}`` everywhere except JSON/YAML
    (``null``), ``deepEqual`` (nil and empty differ) and ``%#v``. Always empty."""

    __slots__ = ()
    go_type = "[]interface {}"


class NilStringSlice(StringSlice):
    """A nil ``[]string`` (Go's ``FindAllString`` without a match); see ``NilSlice``."""

    __slots__ = ()
    go_type = "[]string"


def is_nil_slice(value: Any) -> bool:
    """Whether ``value`` is a nil Go slice (as opposed to an empty one)."""
    return isinstance(value, NilSlice | NilStringSlice)


class StringMap(dict[str, str]):
    """Go ``map[string]string``; a missing key's zero value is ``""``."""

    __slots__ = ()


_INT_NAMES: dict[type, str] = {
    Int64: "int64",
    Int32: "int32",
    Int16: "int16",
    Int8: "int8",
    Uint: "uint",
    Uint8: "uint8",
    Uint16: "uint16",
    Uint32: "uint32",
    Uint64: "uint64",
    Duration: "time.Duration",
}


def go_type_name(value: Any) -> str:
    """Go's ``%T`` of ``value`` (``<nil>`` for nil)."""
    if value is None:
        return "<nil>"
    declared = getattr(value, "go_type", None)
    if isinstance(declared, str):
        return declared
    kind = type(value)
    if kind in _INT_NAMES:
        return _INT_NAMES[kind]
    if kind is bool:
        return "bool"
    if kind is int:
        return "int"
    if kind is Float32:
        return "float32"
    if kind is float:
        return "float64"
    if kind is str:
        return "string"
    if kind is bytes:
        return "[]uint8"
    if kind is StringSlice:
        return "[]string"
    if kind is IntSlice:
        return "[]int"
    if kind is SliceOfSlices:
        return "[][]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if kind is StringMap:
        return "map[string]string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, _dt.datetime):
        return "time.Time"
    return kind.__name__


def go_kind(value: Any) -> str:
    """``reflect.Kind`` name of ``value`` (``invalid`` for nil)."""
    if value is None:
        return "invalid"
    declared = getattr(value, "go_kind", None)
    if isinstance(declared, str):
        return declared
    kind = type(value)
    if kind is Duration:
        return "int64"
    if kind in _INT_NAMES:
        return _INT_NAMES[kind]
    if kind is bool:
        return "bool"
    if kind is int:
        return "int"
    if kind is Float32:
        return "float32"
    if kind is float:
        return "float64"
    if kind is str:
        return "string"
    if isinstance(value, bytes | list):
        return "slice"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, _dt.datetime):
        return "struct"
    return "invalid"
