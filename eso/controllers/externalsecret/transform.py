"""ESO's value decoding (``decodingStrategy``) and key conversion (``conversionStrategy``).

Applied by the controller after a provider read, never by a provider, so the provider's value
cache holds what AWS returned and one cached value serves readers with different strategies.
The rules are ESO's (``runtime/decoding`` and ``esutils.ConvertKeys``):

- ``decodingStrategy`` decodes values: ``None`` keeps them; ``Base64`` / ``Base64URL`` decode
  with the standard / URL-safe alphabet, padding required, CR and LF ignored (as Go's
  ``encoding/base64``); ``Auto`` tries Base64, then Base64URL, else keeps the value. It applies
  to ``data[]`` values and to every value of a ``dataFrom[].extract`` map.
- ``conversionStrategy`` converts the *keys* of a ``dataFrom[].extract`` map (``data[]`` keys
  are the user's ``secretKey``, so ESO ignores it there): every character that is not a
  Unicode letter or digit, ``-``, ``.`` or ``_`` becomes ``_`` (``Default``) or ``_UXXXX_``
  (``Unicode``, the code point in at least four hex digits). Two keys converting to one is an
  error. Keys still invalid for a Secret afterwards (non-ASCII letters) are reported by the
  caller's key check.

Error messages name the strategy and the key, never a value.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Mapping
from typing import Final

from eso.api.models import ConversionStrategy, DecodingStrategy

ERR_DECODE: Final = "error applying decoding strategy {strategy} to data: {error}"
ERR_DECODE_KEY: Final = "failure decoding key {key}: {error}"
ERR_CONVERT: Final = "error applying conversion strategy {strategy} to keys: {error}"
ERR_COLLISION: Final = "secret name collision during conversion: {key}"
ERR_ILLEGAL_BASE64: Final = "illegal base64 data"

_STD = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_URL = re.compile(rb"[A-Za-z0-9\-_]*={0,2}")
_KEPT = frozenset("-._")


class TransformError(ValueError):
    """A value could not be decoded or keys could not be converted; the message has no value."""


def decode(strategy: DecodingStrategy, value: bytes) -> bytes:
    """``value`` decoded per ``strategy``; TransformError (ESO's wording) when it cannot be."""
    try:
        return _decode(strategy, value)
    except TransformError as e:
        raise TransformError(ERR_DECODE.format(strategy=strategy, error=e)) from None


def decode_map(strategy: DecodingStrategy, values: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every value decoded per ``strategy``; the error names the first key that failed."""
    out: dict[str, bytes] = {}
    for key in sorted(values):
        try:
            out[key] = _decode(strategy, values[key])
        except TransformError as e:
            detail = ERR_DECODE_KEY.format(key=key, error=e)
            raise TransformError(ERR_DECODE.format(strategy=strategy, error=detail)) from None
    return out


def convert_keys(strategy: ConversionStrategy, values: Mapping[str, bytes]) -> dict[str, bytes]:
    """``values`` with keys converted per ``strategy``; TransformError on a collision."""
    out: dict[str, bytes] = {}
    for key in sorted(values):
        new = convert_key(strategy, key)
        if new in out:
            detail = ERR_COLLISION.format(key=new)
            raise TransformError(ERR_CONVERT.format(strategy=strategy, error=detail))
        out[new] = values[key]
    return out


def convert_key(strategy: ConversionStrategy, key: str) -> str:
    """One key converted per ``strategy`` (ESO's ``convert``)."""
    return "".join(ch if _kept(ch) else _replacement(strategy, ch) for ch in key)


def _kept(ch: str) -> bool:
    # Go's unicode.IsLetter / IsNumber: general categories L* and N*.
    return ch in _KEPT or unicodedata.category(ch)[0] in ("L", "N")


def _replacement(strategy: ConversionStrategy, ch: str) -> str:
    if strategy == "Unicode":
        return f"_U{ord(ch):04x}_"
    return "_"


def _decode(strategy: DecodingStrategy, value: bytes) -> bytes:
    if strategy == "None":
        return value
    if strategy == "Base64":
        return _b64(value, url=False)
    if strategy == "Base64URL":
        return _b64(value, url=True)
    # Auto: the first decoding that works, else the value as it is (never an error).
    for url in (False, True):
        try:
            return _b64(value, url=url)
        except TransformError:
            continue
    return value


def _b64(value: bytes, *, url: bool) -> bytes:
    """Go's strict-alphabet, padded decoding (``base64.StdEncoding`` / ``URLEncoding``)."""
    data = value.replace(b"\r", b"").replace(b"\n", b"")
    if not (_URL if url else _STD).fullmatch(data):
        raise TransformError(ERR_ILLEGAL_BASE64)
    try:
        return base64.b64decode(data, altchars=b"-_" if url else None, validate=True)
    except (binascii.Error, ValueError):
        raise TransformError(ERR_ILLEGAL_BASE64) from None
