"""Sprig's JSON functions over ``gojson``: the plain ones swallow errors as sprig does
(``toJson`` of an unsupported value is ``""``, ``fromJson`` of bad input is nil), the
``must*`` ones return them; ``toRawJson`` panics (sprig calls ``panic(err)``).
"""

from __future__ import annotations

from typing import Any

from eso.template.functions.gojson import JSONError, decode, encode
from eso.template.functions.registry import FuncError, FuncMap

__all__ = ["register"]


def _must(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except JSONError as e:
        raise FuncError(str(e)) from None


def to_json(value: Any) -> str:
    try:
        return encode(value)
    except JSONError:
        return ""


def must_to_json(value: Any) -> str:
    return str(_must(encode, value))


def to_pretty_json(value: Any) -> str:
    try:
        return encode(value, indent="  ")
    except JSONError:
        return ""


def must_to_pretty_json(value: Any) -> str:
    return str(_must(encode, value, indent="  "))


def to_raw_json(value: Any) -> str:
    return str(_must(encode, value, html=False))


def from_json(text: str) -> Any:
    try:
        return decode(text)
    except JSONError:
        return None


def must_from_json(text: str) -> Any:
    return _must(decode, text)


def register(funcs: FuncMap) -> None:
    r = funcs.register
    r("toJson", "interface {}", result="string")(to_json)
    r("mustToJson", "interface {}", result="string", returns_error=True)(must_to_json)
    r("toPrettyJson", "interface {}", result="string")(to_pretty_json)
    r("mustToPrettyJson", "interface {}", result="string", returns_error=True)(must_to_pretty_json)
    r("toRawJson", "interface {}", result="string")(to_raw_json)
    r("mustToRawJson", "interface {}", result="string", returns_error=True)(to_raw_json)
    r("fromJson", "string")(from_json)
    r("mustFromJson", "string", returns_error=True)(must_from_json)
