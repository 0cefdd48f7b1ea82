"""``field.Error`` as kube-apiserver renders it: the one error type of CRD schema validation.

Clients match on these strings (kubectl prints them, our integration tests compare them with a
real cluster's), so the rendering copies apimachinery's ``ErrorBody``: the type's text, the bad
value (Go's %q for strings, %v for numbers and booleans, JSON for anything else, omitted for
Required/Forbidden/TooLong and for ``OMIT``, apimachinery's ``field.OmitValueType{}``) and the
detail. A field path of nil renders as ``<nil>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
TYPE_INVALID = "FieldValueTypeInvalid"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
DUPLICATE = "FieldValueDuplicate"

ROOT_FIELD = "<nil>"


class _Omit:
    """``field.OmitValueType{}``: an error whose bad value is not shown ("Invalid value: d")."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()

_TYPE_TEXT = {
    REQUIRED: "Required value",
    INVALID: "Invalid value",
    NOT_SUPPORTED: "Unsupported value",
    TYPE_INVALID: "Invalid value",
    FORBIDDEN: "Forbidden",
    TOO_LONG: "Too long",
    TOO_MANY: "Too many",
    DUPLICATE: "Duplicate value",
}
_NO_VALUE_SHOWN = frozenset({REQUIRED, FORBIDDEN, TOO_LONG})


@dataclass(frozen=True)
class FieldError:
    """One ``field.Error``: ``type`` is its Status cause reason, ``message`` its ErrorBody."""

    type: str
    field: str
    message: str

    def detail(self) -> str:
        """The "<field>: <message>" line kube-apiserver joins into a 422 Status message."""
        return f"{self.field}: {self.message}"


def field_error(type_: str, field: str, value: Any = "", detail: str = "") -> FieldError:
    """A FieldError worded as ``field.Error.ErrorBody`` words it; an empty field is ``<nil>``."""
    message = _TYPE_TEXT[type_]
    if type_ not in _NO_VALUE_SHOWN and value is not OMIT:
        message = f"{message}: {render_value(value)}"
    if detail:
        message = f"{message}: {detail}"
    return FieldError(type_, field or ROOT_FIELD, message)


def render_value(value: Any) -> str:
    """A bad value as Go prints it: %q strings, %v numbers and booleans, JSON otherwise."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return go_number(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def go_number(value: int | float) -> str:
    """Go's ``%v`` of an int64 or a float64 (shortest digits; exponent from 1e+06 and 1e-05)."""
    if isinstance(value, int) or value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value == 0:
        return "0"
    exact = Decimal(repr(value)).normalize()
    exponent = exact.adjusted()
    if -4 <= exponent < 6:
        return format(exact, "f")
    digits = "".join(str(d) for d in exact.as_tuple().digits)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if value < 0 else ""
    return f"{sign}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
