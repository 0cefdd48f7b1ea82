"""Source-key conversion (``conversionStrategy``) and label selectors as API query strings.

``ReverseUnicode`` is ESO's ``ReverseKeys``: every ``_UXXXX_`` (4 or 5 hex digits) in a key
becomes that character, undoing an ExternalSecret's ``Unicode`` conversion; two keys that
convert to the same name are an error, as in ESO. Selectors are rendered in Kubernetes'
label-selector syntax so the API server filters (``LabelSelectorAsSelector``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from eso.api.meta import LabelSelector
from eso.controllers.pushsecret.errors import PushFailedError

_UNICODE = re.compile(r"_U([0-9a-fA-F]{4,5})_")
ERR_COLLISION = (
    "could not apply conversion strategy to keys: secret name collision during conversion: {key}"
)


def reverse_key(strategy: str, key: str) -> str:
    """``key`` after ``strategy`` (``None`` leaves it as it is)."""
    if strategy != "ReverseUnicode":
        return key
    return _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), key)


def reverse_keys(strategy: str, data: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every key of ``data`` converted; raises ``PushFailedError`` on a collision."""
    out: dict[str, bytes] = {}
    for key, value in data.items():
        converted = reverse_key(strategy, key)
        if converted in out:
            raise PushFailedError(ERR_COLLISION.format(key=converted), retry=False)
        out[converted] = value
    return out


def selector_string(selector: LabelSelector) -> str:
    """``selector`` as the API's ``labelSelector`` query (empty: everything)."""
    parts = [f"{k}={v}" for k, v in sorted((selector.match_labels or {}).items())]
    for req in selector.match_expressions or []:
        values = ",".join(sorted(req.values or []))
        parts.append(
            {
                "In": f"{req.key} in ({values})",
                "NotIn": f"{req.key} notin ({values})",
                "Exists": req.key,
                "DoesNotExist": f"!{req.key}",
            }.get(req.operator, f"{req.key} {req.operator}")
        )
    return ",".join(parts)
