"""ESO's ``dataFrom[].rewrite``: the keys of an extracted or found map, renamed in order.

Pure (no I/O) and applied by ``fetch`` after the provider read, in ESO's order (``RewriteMap``
in ``runtime/esutils``): each operation receives the previous one's output.

- ``regexp`` is Go's ``ReplaceAllString(key, target)`` with the pattern read by Go's RE2 rules
  (``eso.template.re2``: ``$1``/``${name}`` in the target, Go's error text for a pattern RE2
  rejects).
- ``transform`` renders a Go template per key with ``.value`` = the key (ESO parses it with the
  full function map and Go's default ``missingkey``, not the ``error`` mode target templates use).
- ``merge`` parses every value as a JSON object and merges them (``priority`` keys last, so they
  win), into many keys (``Extract``) or one JSON document at ``into`` (``JSON``).

One deliberate difference: when ``regexp`` or ``transform`` turns two keys into one, ESO keeps
whichever its random map order writes last; eso refuses the rewrite and names the keys, because
a Secret whose content changes from one sync to the next is worse than a clear error. Messages
name keys and operations, never a value; the caller wraps them in ESO's ``error applying
rewrite to keys: ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from eso.api.models import (
    ExternalSecretRewrite,
    ExternalSecretRewriteMerge,
    ExternalSecretRewriteRegexp,
    ExternalSecretRewriteTransform,
)
from eso.template import re2
from eso.template.engine import Template
from eso.template.errors import TemplateError
from eso.template.functions import gojson
from eso.template.functions.library import shared_function_map
from eso.template.gostrconv import format_float, quote
from eso.template.limits import Limits

ERR_REWRITE: Final = "error applying rewrite to keys: {error}"
ERR_OPERATION: Final = "failed rewrite operation[{index}]: {error}"
ERR_REGEXP_COMPILE: Final = "regexp failed with failed to compile: {error}"
ERR_TRANSFORM_PARSE: Final = "transform failed with failed to parse template: {error}"
ERR_TRANSFORM_EXEC: Final = (
    "transform failed with failed to execute template for key {key}: {error}"
)
ERR_MERGE_CONFLICTS: Final = "merge failed with conflicts: {keys}"
ERR_MERGE_NOT_FOUND: Final = "merge failed with key {key} not found in input map"
ERR_MERGE_JSON: Final = "merge failed with failed to unmarshal JSON: {error}"
ERR_MERGE_INTO: Final = "merge failed with missing 'into' field"
# eso only (ESO keeps one of the colliding values at random):
ERR_COLLISION: Final = "{operation} turned keys {sources} into the same key {key}"
ERR_TOO_LONG: Final = "{operation} produced a key longer than {limit} characters"

TEMPLATE_NAME: Final = "transform"
MAX_KEY: Final = 64 * 1024
"""Characters of one rewritten key: far above a Secret key's 253, so only a hostile target
(``$0$0$0...`` on a long key) reaches it, and it fails before using much memory."""

KEY_LIMITS: Final = Limits(max_output=MAX_KEY, max_steps=100_000)
"""One key's rendering: a key template is a line of text, so a tenth of a Secret template's
step budget is ample and a map of many keys stays cheap even with a hostile template."""

_NOT_AN_OBJECT: Final = (
    "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
)


class RewriteError(ValueError):
    """A rewrite failed; ``str()`` is ESO's wording, naming keys but never a value."""


def rewrite_map(
    operations: Sequence[ExternalSecretRewrite], data: Mapping[str, bytes]
) -> dict[str, bytes]:
    """``data`` with every operation applied in order; RewriteError names the failing one."""
    out = dict(data)
    for index, op in enumerate(operations):
        try:
            out = _apply(op, out)
        except RewriteError as e:
            detail = ERR_OPERATION.format(index=index, error=e)
            raise RewriteError(ERR_REWRITE.format(error=detail)) from None
    return out


def _apply(op: ExternalSecretRewrite, data: dict[str, bytes]) -> dict[str, bytes]:
    if op.merge is not None:
        return rewrite_merge(op.merge, data)
    if op.regexp is not None:
        return rewrite_regexp(op.regexp, data)
    if op.transform is not None:
        return rewrite_transform(op.transform, data)
    return data


def rewrite_regexp(op: ExternalSecretRewriteRegexp, data: Mapping[str, bytes]) -> dict[str, bytes]:
    """Go's ``ReplaceAllString`` over every key (ESO's ``RewriteRegexp``)."""
    try:
        pattern = re2.compile(op.source)
    except re2.RegexpError as e:
        raise RewriteError(ERR_REGEXP_COMPILE.format(error=e)) from None

    def rename(key: str) -> str:
        try:
            return pattern.replace_all_string(key, op.target, max_size=MAX_KEY)
        except re2.OutputTooLargeError:
            raise RewriteError(ERR_TOO_LONG.format(operation="regexp", limit=MAX_KEY)) from None

    return _renamed("regexp", data, rename)


def rewrite_transform(
    op: ExternalSecretRewriteTransform, data: Mapping[str, bytes]
) -> dict[str, bytes]:
    """Each key rendered through ``op.template`` with ``.value`` = the key."""
    try:
        template = Template.parse(
            TEMPLATE_NAME, op.template, funcs=shared_function_map(), missingkey="default"
        )
    except TemplateError as e:
        raise RewriteError(ERR_TRANSFORM_PARSE.format(error=e)) from None

    def rename(key: str) -> str:
        try:
            new = template.execute({"value": key}, limits=KEY_LIMITS)
        except TemplateError as e:
            raise RewriteError(ERR_TRANSFORM_EXEC.format(key=quote(key), error=e)) from None
        if len(new) > MAX_KEY:
            raise RewriteError(ERR_TOO_LONG.format(operation="transform", limit=MAX_KEY))
        return new

    return _renamed("transform", data, rename)


def _renamed(operation: str, data: Mapping[str, bytes], rename: Any) -> dict[str, bytes]:
    """``data`` under new keys; two keys renamed to one (non-empty) key is an error."""
    out: dict[str, bytes] = {}
    sources: dict[str, list[str]] = {}
    for key in sorted(data):
        new = rename(key)
        sources.setdefault(new, []).append(key)
        out[new] = data[key]
    for new, olds in sources.items():
        # An empty key is dropped by the key check afterwards (ESO's ValidateKeys), so keys
        # that all became empty lose nothing that could have been kept.
        if new and len(olds) > 1:
            listed = ", ".join(quote(k) for k in olds)
            raise RewriteError(
                ERR_COLLISION.format(operation=operation, sources=listed, key=quote(new))
            )
    return out


def rewrite_merge(op: ExternalSecretRewriteMerge, data: Mapping[str, bytes]) -> dict[str, bytes]:
    """ESO's ``RewriteMerge``: JSON objects merged, conflicts checked, then the strategy."""
    merged, conflicts = _merge(op, data)
    if op.conflict_policy != "Ignore" and conflicts:
        raise RewriteError(ERR_MERGE_CONFLICTS.format(keys=", ".join(conflicts)))
    if op.strategy == "JSON":
        if not op.into:
            raise RewriteError(ERR_MERGE_INTO)
        out = dict(data)
        out[op.into] = gojson.encode(merged, html=False).encode()
        return out
    return {key: _byte_value(value) for key, value in merged.items()}


def _merge(
    op: ExternalSecretRewriteMerge, data: Mapping[str, bytes]
) -> tuple[dict[str, Any], list[str]]:
    """Keys in ESO's order (others sorted, then ``priority`` in its order, so it wins)."""
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for key in _merge_order(op, data):
        if key not in data:
            if op.priority_policy == "IgnoreNotFound":
                continue
            raise RewriteError(ERR_MERGE_NOT_FOUND.format(key=quote(key)))
        obj = _json_object(data[key])
        for name in sorted(obj):
            if name in merged:
                conflicts.append(name)
            merged[name] = obj[name]
    return merged, conflicts


def _merge_order(op: ExternalSecretRewriteMerge, data: Iterable[str]) -> list[str]:
    return sorted(k for k in data if k not in op.priority) + list(op.priority)


def _json_object(value: bytes) -> dict[str, Any]:
    """``json.Unmarshal(value, &map[string]any{})``: an object, or null (no keys)."""
    try:
        parsed = gojson.decode(value.decode("utf-8", "replace"))
    except gojson.JSONError as e:
        raise RewriteError(ERR_MERGE_JSON.format(error=e)) from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        kind = _json_kind(parsed)
        raise RewriteError(ERR_MERGE_JSON.format(error=_NOT_AN_OBJECT.format(kind=kind)))
    return parsed


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def _byte_value(value: Any) -> bytes:
    """ESO's ``GetByteValue`` for what ``json.Unmarshal`` yields."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, float):
        return format_float(value, verb="f", prec=-1).encode()
    if value is None:
        return b""
    return gojson.encode(value).encode()  # objects and arrays: json.Marshal
