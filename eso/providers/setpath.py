"""Setting ``remoteRef.property`` inside a JSON secret, the way ESO's sjson call does.

ESO pushes a value into a property with ``sjson.SetBytes(current, property, value)``: the
property is a dotted path (``a.b``; ``\\.`` escapes a dot inside a key), missing objects on the
way are created, the value is stored as a JSON *string*, and other keys are kept. An empty
current document starts a new object. A current value that is not JSON is an error (ESO: "a
pushSecretData property requires a json secret"), so nothing is overwritten by guesswork.

Unlike sjson, which edits the text in place, the document is re-serialised compactly (keys
in their existing order): a secret ESO wrote with other whitespace gets one new version the
first time eso changes one of its properties, after which the bytes are stable.
"""

from __future__ import annotations

import json
from typing import Any

from eso.providers.paths import decode_payload, encode_text

__all__ = ["NotJSONDocumentError", "set_property"]

ERR_NOT_JSON = (
    "PushSecret for aws secrets manager with a pushSecretData property requires a json secret"
)


class NotJSONDocumentError(ValueError):
    """The current secret is not a JSON object (the message holds no secret data)."""


def _split(path: str) -> list[str]:
    parts, current, escaped = [], [], False
    for ch in path:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _load(current: bytes | None) -> Any:
    text = decode_payload(current) if current else ""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise NotJSONDocumentError(ERR_NOT_JSON) from None


def _set(node: Any, parts: list[str], value: str) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        node[int(head)] = _set(node[int(head)], rest, value) if rest else value
        return node
    if not isinstance(node, dict):
        node = {}
    node[head] = _set(node.get(head), rest, value) if rest else value
    return node


def set_property(current: bytes | None, prop: str, value: bytes) -> bytes:
    """``current`` with ``value`` (as a JSON string) at ``prop``; raises
    ``NotJSONDocumentError`` when ``current`` is neither empty nor JSON."""
    doc = _load(current)
    if not isinstance(doc, dict | list):
        raise NotJSONDocumentError(ERR_NOT_JSON)
    updated = _set(doc, _split(prop), decode_payload(value))
    return encode_text(json.dumps(updated, ensure_ascii=False, separators=(",", ":")))
