"""What a PushSecret entry pushes: one key's bytes, or the whole Secret as a JSON object.

ESO's ``ExtractSecretData``: with ``secretKey`` the value is that key's bytes; without, every key
of the Secret becomes one JSON object of strings (``{"key":"value"}``, keys sorted, no HTML
escaping, as Go's encoder with ``SetEscapeHTML(false)`` writes it; bytes that are not UTF-8 become
U+FFFD, as Go's ``string`` marshalling does). Parameter Store without ``encodeAsDecoded``
marshals the raw ``map[string][]byte``, which Go renders as base64 strings. Messages name keys,
never values.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from eso.providers.base import ConfigError

__all__ = ["ERR_MISSING_KEY", "extract_value", "json_of_base64", "json_of_strings"]

ERR_MISSING_KEY = "failed to find secret key in secret with key: {key}"


def json_of_strings(data: Mapping[str, bytes]) -> bytes:
    """The Secret as ``{"key": "value"}`` (UTF-8, sorted keys, compact)."""
    decoded = {k: v.decode("utf-8", "replace") for k, v in data.items()}
    return json.dumps(decoded, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def json_of_base64(data: Mapping[str, bytes]) -> bytes:
    """The Secret as Go marshals ``map[string][]byte``: values base64-encoded."""
    encoded = {k: base64.b64encode(v).decode("ascii") for k, v in data.items()}
    return json.dumps(encoded, sort_keys=True, separators=(",", ":")).encode()


def extract_value(data: Mapping[str, bytes], key: str) -> bytes:
    """``data[key]``, or the whole map as JSON when ``key`` is empty; raises ``ConfigError``."""
    if not key:
        return json_of_strings(data)
    try:
        return data[key]
    except KeyError:
        raise ConfigError(ERR_MISSING_KEY.format(key=key)) from None
