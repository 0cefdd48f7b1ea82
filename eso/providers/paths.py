"""ESO's gjson-style ``property`` lookup on JSON secrets, and ``dataFrom.extract`` maps.

ESO resolves ``remoteRef.property`` with tidwall/gjson: the property is first tried as one
literal key (every dot escaped), then as a path (``name.first``, ``friends.1.first``, ``a\\.b``
for a key containing a dot, ``*``/``?`` wildcards in keys, ``#`` for an array's length and
``list.#.field`` to collect a field from every element). The found value is returned the way
gjson's ``Result.String()`` renders it: strings unquoted, integers as written, other numbers
reformatted, booleans as ``true``/``false``, ``null`` as empty, objects and arrays as their
*raw text* exactly as stored in the secret (whitespace and key order included).

Keeping raw text is why this module scans the JSON document itself instead of ``json.loads``
and re-serialising: a re-serialised object would differ from what ESO writes byte for byte,
and every ExternalSecret migrated from ESO would then update its Secret once for nothing.
Binary payloads that are not UTF-8 survive too: the text is decoded with ``surrogateescape``
and encoded back the same way.

gjson modifiers (``@reverse``), queries (``#(age>40)``) and pipes are not supported; a path
using them raises ``PathSyntaxError`` instead of silently matching nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

_WS = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"-?\d+")


class PathError(ValueError):
    """The property cannot be resolved; the message never contains secret data."""


class NotJSONError(PathError):
    """The payload is not a JSON document (or not an object where one is needed)."""


class PropertyMissingError(PathError):
    """The payload is JSON but nothing is found at the property path."""


class PathSyntaxError(PathError):
    """The property uses gjson syntax this implementation does not support."""


@dataclass(frozen=True)
class _Raw:
    """A JSON value as a span of the document text."""

    text: str

    @property
    def kind(self) -> str:
        c = self.text[0]
        if c == '"':
            return "string"
        if c in "{[":
            return "object" if c == "{" else "array"
        if c in "tfn":
            return {"t": "true", "f": "false", "n": "null"}[c]
        return "number"


def encode_text(text: str) -> bytes:
    """Encode text that came from ``decode_payload`` back to the original bytes."""
    return text.encode("utf-8", "surrogateescape")


def decode_payload(payload: bytes | str) -> str:
    """Bytes → text without losing bytes that are not UTF-8 (they become surrogates)."""
    if isinstance(payload, str):
        return payload
    return payload.decode("utf-8", "surrogateescape")


# --- scanning -----------------------------------------------------------------------------


def _skip_ws(doc: str, i: int) -> int:
    while i < len(doc) and doc[i] in _WS:
        i += 1
    return i


def _end_of_string(doc: str, i: int) -> int:
    """Index just past the string literal starting at ``doc[i] == '"'``."""
    i += 1
    while i < len(doc):
        c = doc[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        i += 1
    raise NotJSONError("unterminated string")


def _end_of_value(doc: str, i: int) -> int:
    """Index just past the JSON value starting at ``doc[i]`` (no leading whitespace)."""
    if i >= len(doc):
        raise NotJSONError("unexpected end of document")
    c = doc[i]
    if c == '"':
        return _end_of_string(doc, i)
    if c in "{[":
        return _end_of_container(doc, i)
    for word in ("true", "false", "null"):
        if doc.startswith(word, i):
            return i + len(word)
    m = _NUMBER.match(doc, i)
    if m is None:
        raise NotJSONError("invalid value")
    return m.end()


def _end_of_container(doc: str, i: int) -> int:
    close = "}" if doc[i] == "{" else "]"
    i = _skip_ws(doc, i + 1)
    if i < len(doc) and doc[i] == close:
        return i + 1
    while True:
        if close == "}":
            if i >= len(doc) or doc[i] != '"':
                raise NotJSONError("expected an object key")
            i = _skip_ws(doc, _end_of_string(doc, i))
            if i >= len(doc) or doc[i] != ":":
                raise NotJSONError("expected ':'")
            i = _skip_ws(doc, i + 1)
        i = _skip_ws(doc, _end_of_value(doc, i))
        if i < len(doc) and doc[i] == ",":
            i = _skip_ws(doc, i + 1)
            continue
        if i < len(doc) and doc[i] == close:
            return i + 1
        raise NotJSONError("expected ',' or a closing bracket")


def _parse_document(doc: str) -> _Raw:
    start = _skip_ws(doc, 0)
    end = _end_of_value(doc, start)
    if _skip_ws(doc, end) != len(doc):
        raise NotJSONError("trailing data after the JSON value")
    return _Raw(doc[start:end])


def _members(obj: _Raw) -> Iterator[tuple[str, _Raw]]:
    """(key, value) pairs of an object in document order, duplicates included."""
    doc = obj.text
    i = _skip_ws(doc, 1)
    while i < len(doc) and doc[i] == '"':
        key_end = _end_of_string(doc, i)
        key = json.loads(doc[i:key_end])
        v_start = _skip_ws(doc, _skip_ws(doc, key_end) + 1)
        v_end = _end_of_value(doc, v_start)
        yield key, _Raw(doc[v_start:v_end])
        i = _skip_ws(doc, v_end)
        if doc[i] == ",":
            i = _skip_ws(doc, i + 1)


def _elements(arr: _Raw) -> Iterator[_Raw]:
    doc = arr.text
    i = _skip_ws(doc, 1)
    while i < len(doc) and doc[i] != "]":
        end = _end_of_value(doc, i)
        yield _Raw(doc[i:end])
        i = _skip_ws(doc, end)
        if doc[i] == ",":
            i = _skip_ws(doc, i + 1)


# --- paths --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Component:
    text: str  # unescaped
    wildcard: bool  # contains an unescaped * or ?
    pattern: str  # regex for wildcard matching


def _split_path(path: str) -> list[_Component]:
    """Split on unescaped dots; ``\\x`` always means a literal ``x``."""
    parts: list[_Component] = []
    text: list[str] = []
    pattern: list[str] = []
    wildcard = False
    i = 0
    while i <= len(path):
        c = path[i] if i < len(path) else "."
        if c == "\\" and i + 1 < len(path):
            text.append(path[i + 1])
            pattern.append(re.escape(path[i + 1]))
            i += 2
            continue
        if c == ".":
            parts.append(_Component("".join(text), wildcard, "".join(pattern)))
            text, pattern, wildcard = [], [], False
        elif c in "*?":
            wildcard = True
            text.append(c)
            pattern.append(".*" if c == "*" else ".")
        elif c in "|@" or (c == "#" and path[i + 1 : i + 2] == "("):
            raise PathSyntaxError(f"gjson syntax {c!r} is not supported in property paths")
        else:
            text.append(c)
            pattern.append(re.escape(c))
        i += 1
    return parts


def _child(value: _Raw, comp: _Component, rest: list[_Component]) -> _Raw | None:
    if value.kind == "object":
        for key, member in _members(value):
            if re.fullmatch(comp.pattern, key, re.DOTALL) if comp.wildcard else key == comp.text:
                return _walk(member, rest)
        return None
    if value.kind != "array":
        return None
    if comp.text == "#" and not comp.wildcard:
        items = list(_elements(value))
        if not rest:
            return _Raw(str(len(items)))
        found = [r for r in (_walk(item, rest) for item in items) if r is not None]
        return _Raw("[" + ",".join(r.text for r in found) + "]")
    if _INTEGER.fullmatch(comp.text) and not comp.text.startswith("-"):
        for n, item in enumerate(_elements(value)):
            if n == int(comp.text):
                return _walk(item, rest)
    return None


def _walk(value: _Raw, path: list[_Component]) -> _Raw | None:
    if not path:
        return value
    return _child(value, path[0], path[1:])


def _lookup(doc: _Raw, prop: str) -> _Raw | None:
    if doc.kind == "object":
        for key, member in _members(doc):
            if key == prop:
                return member
    return _walk(doc, _split_path(prop))


# --- rendering ----------------------------------------------------------------------------


def _format_float(raw: str) -> str:
    """Go's ``strconv.FormatFloat(f, 'f', -1, 64)``: shortest, never an exponent."""
    f = float(raw)
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    text = format(Decimal(repr(f)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def render(value: _Raw) -> str:
    """gjson ``Result.String()`` of a value."""
    kind = value.kind
    if kind == "string":
        decoded: str = json.loads(value.text)
        return decoded
    if kind == "number":
        return value.text if _INTEGER.fullmatch(value.text) else _format_float(value.text)
    if kind == "null":
        return ""
    return value.text


def get_property(payload: bytes | str, prop: str) -> bytes:
    """The value at ``prop`` in the JSON ``payload``, rendered like ESO's ``GetSecret``.

    Raises ``NotJSONError`` if the payload is not JSON, ``PropertyMissingError`` if nothing is
    at the path, ``PathSyntaxError`` for unsupported gjson syntax. Messages hold no values.
    """
    try:
        doc = _parse_document(decode_payload(payload))
    except NotJSONError as e:
        raise PropertyMissingError(f"property {prop!r} not found: secret is not JSON") from e
    found = _lookup(doc, prop)
    if found is None:
        raise PropertyMissingError(f"property {prop!r} not found")
    return encode_text(render(found))


def get_map(payload: bytes | str) -> dict[str, bytes]:
    """The members of a JSON object as ESO's ``GetSecretMap`` returns them.

    String members are unquoted; every other member is its raw JSON text (nested objects,
    arrays and numbers exactly as written); ``null`` becomes empty. If a key repeats, the last
    one wins (Go's ``json.Unmarshal`` into a map). Raises ``NotJSONError`` if the payload is not
    a JSON object.
    """
    doc = _parse_document(decode_payload(payload))
    if doc.kind != "object":
        raise NotJSONError("secret is not a JSON object")
    out: dict[str, bytes] = {}
    for key, member in _members(doc):
        kind = member.kind
        if kind == "string":
            out[key] = encode_text(json.loads(member.text))
        elif kind == "null":
            out[key] = b""
        else:
            out[key] = encode_text(member.text)
    return out


def get_property_map(payload: bytes | str, prop: str | None) -> dict[str, bytes]:
    """``dataFrom.extract``: optionally select ``prop`` first, then split the object."""
    data = payload if not prop else get_property(payload, prop)
    try:
        return get_map(data)
    except NotJSONError as e:
        what = f"property {prop!r}" if prop else "secret"
        raise NotJSONError(f"{what} is not a JSON object") from e
