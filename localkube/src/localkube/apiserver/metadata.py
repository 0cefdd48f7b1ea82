"""ObjectMeta validation shared by every kind: label syntax, immutable Secrets/ConfigMaps.

Controllers copy labels from user input (ESO's target templates) and write immutable
Secrets; both are places where a real server says 422 and a lenient fake would hide a bug.
Messages are apimachinery's.
"""

from __future__ import annotations

import re
from typing import Any

from localkube.apiserver.status import Cause

JSONDict = dict[str, Any]

_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_KEY_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"


def _invalid(field: str, value: str, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f'Invalid value: "{value}": {detail}', field)


def _key_causes(key: str) -> list[Cause]:
    prefix, _, name = key.rpartition("/")
    causes = []
    if not _NAME.match(name) or len(name) > 63:
        causes.append(_invalid("metadata.labels", key, _KEY_MSG))
    if prefix and (not _PREFIX.match(prefix) or len(prefix) > 253):
        causes.append(_invalid("metadata.labels", key, "prefix part must be a DNS subdomain"))
    return causes


def label_causes(obj: JSONDict) -> list[Cause]:
    """422 causes for label keys and values kube-apiserver would reject."""
    labels = obj["metadata"].get("labels") or {}
    causes: list[Cause] = []
    for key, value in labels.items():
        causes += _key_causes(str(key))
        text = value if isinstance(value, str) else str(value)
        if text and (not _NAME.match(text) or len(text) > 63):
            causes.append(_invalid("metadata.labels", text, _VALUE_MSG))
    return causes


def immutable_causes(new: JSONDict, old: JSONDict) -> list[Cause]:
    """A Secret or ConfigMap created ``immutable: true`` keeps its data and the flag."""
    if not old.get("immutable"):
        return []
    causes = [
        Cause("FieldValueForbidden", _IMMUTABLE, field)
        for field in ("data", "binaryData")
        if new.get(field) != old.get(field)
    ]
    if not new.get("immutable"):
        causes.append(Cause("FieldValueForbidden", _IMMUTABLE, "immutable"))
    return causes


def finalizer_causes(new: JSONDict, old: JSONDict) -> list[Cause]:
    """Once an object is being deleted, finalizers may only be removed."""
    if not old["metadata"].get("deletionTimestamp"):
        return []
    before = set(old["metadata"].get("finalizers") or ())
    added = [f for f in new["metadata"].get("finalizers") or () if f not in before]
    if not added:
        return []
    detail = "Forbidden: no new finalizers can be added if the object is being deleted"
    return [Cause("FieldValueForbidden", f"{detail}, found new finalizers {added}",
                  "metadata.finalizers")]  # fmt: skip
