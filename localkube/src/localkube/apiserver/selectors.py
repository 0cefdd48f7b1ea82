"""Label and field selectors with kube-apiserver's grammar and matching rules.

Parsed once per request into small predicate objects so that a watch evaluates them per
event without reparsing. Field selectors accept only the labels a kind supports, as the real
server does (``field label not supported``), so a test cannot rely on a selector that a real
cluster would reject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localkube.apiserver.status import ApiError, bad_request

JSONDict = dict[str, Any]
Predicate = Callable[[JSONDict], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([^\s!=<>(),]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_OP_RE = re.compile(r"^\s*([^\s!=<>(),]+)\s*(==|!=|=|>|<)\s*([^\s,]*)\s*$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: frozenset[str]

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if not present or value is None or not value.lstrip("-").isdigit():
            return False
        bound = int(next(iter(self.values)))
        return int(value) > bound if self.op == ">" else int(value) < bound


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _parse_requirement(text: str) -> Requirement:
    m = _OP_RE.match(text)
    if m:
        key, op, value = m.groups()
        if not _LABEL_VALUE_RE.match(value) or (op in "<>" and not value.lstrip("-").isdigit()):
            raise bad_request(f"unable to parse requirement: invalid value {value!r}")
        return Requirement(key, "=" if op == "==" else op, frozenset({value}))
    m = _SET_RE.match(text)
    if m:
        bang, key, op, values = m.groups()
        if op:
            if bang:
                raise bad_request(f"unable to parse requirement: {text.strip()!r}")
            vals = frozenset(v.strip() for v in values.split(",") if v.strip())
            return Requirement(key, op, vals)
        return Requirement(key, "!" if bang else "exists", frozenset())
    raise bad_request(f"unable to parse requirement: {text.strip()!r}")


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...]

    def matches(self, obj: JSONDict) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(r.matches(labels) for r in self.requirements)


def parse_label_selector(text: str | None) -> LabelSelector | None:
    """None for no selector (everything matches); raises 400 on a syntax error."""
    if not text or not text.strip():
        return None
    return LabelSelector(tuple(_parse_requirement(p) for p in _split_top_level(text)))


@dataclass(frozen=True)
class FieldTerm:
    path: tuple[str, ...]
    equal: bool
    value: str

    def matches(self, obj: JSONDict) -> bool:
        return (field_value(obj, self.path) == self.value) == self.equal


def field_value(obj: JSONDict, path: tuple[str, ...]) -> str:
    node: Any = obj
    for part in path:
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


_FIELD_ALIASES = {"source": ("source", "component")}


@dataclass(frozen=True)
class FieldSelector:
    terms: tuple[FieldTerm, ...]

    def matches(self, obj: JSONDict) -> bool:
        return all(t.matches(obj) for t in self.terms)

    def only(self, label: str) -> str | None:
        """The value of an ``=`` term on ``label``, to shortcut ``metadata.name`` lookups."""
        for t in self.terms:
            if t.equal and t.path == tuple(label.split(".")):
                return t.value
        return None


def parse_field_selector(text: str | None, *, allowed: frozenset[str]) -> FieldSelector | None:
    """None for no selector; 400 for bad syntax or a field label the kind does not support."""
    if not text or not text.strip():
        return None
    terms = []
    for part in text.split(","):
        if not part.strip():
            continue
        m = re.match(r"^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$", part)
        if m is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        label, op, value = m.groups()
        if label not in allowed and label not in ("metadata.name", "metadata.namespace"):
            raise ApiError(400, "BadRequest", f"field label not supported: {label}")
        path = _FIELD_ALIASES.get(label, tuple(label.split(".")))
        terms.append(FieldTerm(path, op != "!=", value))
    return FieldSelector(tuple(terms))
