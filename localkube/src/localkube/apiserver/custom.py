"""Custom resources: the structural-schema pipeline run on every write.

Order as in kube-apiserver: prune unknown fields, apply defaults, validate (CEL rules
included; ``old`` enables transition rules). With ``fieldValidation=Strict`` (kubectl's
default) pruning something is a 400 instead, worded like the real decoder's error. The
schema engine itself is ``schema.py``; this module only decides what to call and how a
failure looks on the wire.
"""

from __future__ import annotations

import json
from typing import Any

from localkube.apiserver import schema as sch
from localkube.apiserver import status as st
from localkube.apiserver.registry import ResourceType
from localkube.apiserver.status import Cause

JSONDict = dict[str, Any]


def admit(
    rt: ResourceType, obj: JSONDict, *, old: JSONDict | None, validation: str, warnings: list[str]
) -> JSONDict:
    """The object to store: pruned and defaulted; 400/422 as the real server would answer.

    ``validation`` is the request's fieldValidation: ``Strict`` turns pruned fields into a
    400, ``Warn`` (the server default) appends them to ``warnings``, ``Ignore`` drops them.
    Works on a private deep copy, so nested values shared with stored objects stay intact
    (and ``obj`` itself is what pruning is compared against).
    """
    if rt.schema is None:
        return obj
    out: JSONDict = json.loads(json.dumps(obj))
    sch.prune(out, rt.schema)
    if validation != "Ignore":
        unknown = [f'unknown field "{p}"' for p in removed_paths(obj, out)]
        if unknown and validation == "Strict":
            raise st.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"strict decoding error: {', '.join(unknown)}"
            )
        warnings += unknown
    sch.apply_defaults(out, rt.schema)
    errors = sch.validate(out, rt.schema, old=old)
    if errors:
        causes = [Cause(e.type, e.message, e.field) for e in errors]
        raise st.invalid(
            kind=rt.kind, group=rt.group, name=out["metadata"].get("name", ""), causes=causes
        )
    return out


def removed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Dotted paths present in ``before`` and gone from ``after`` (what pruning dropped)."""
    out: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            path = f"{prefix}.{key}" if prefix else key
            if key not in after:
                out.append(path)
            else:
                out += removed_paths(value, after[key], path)
    elif isinstance(before, list) and isinstance(after, list):
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            out += removed_paths(b, a, f"{prefix}[{i}]")
    return out
