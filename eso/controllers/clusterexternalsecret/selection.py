"""Which namespaces a ClusterExternalSecret selects: ESO's ``GetTargetNamespaces``, on a cache.

ESO lists namespaces once per selector on every reconcile (from controller-runtime's cache);
eso matches the namespace informer's cache the same way, once per namespace for all
selectors, so a refresh costs no request. The rules are
Kubernetes' ``LabelSelectorAsSelector``: ``namespaceSelector`` and every entry of
``namespaceSelectors`` are ORed with each other and with ``namespaces`` (by name); inside a
selector ``matchLabels`` and ``matchExpressions`` are ANDed; an empty selector selects every
namespace. A selector Kubernetes would refuse (unknown operator, ``In`` without values,
``Exists`` with values, a malformed key or value) raises ``SelectorError`` for the whole CES,
as ESO fails the whole reconcile. Terminating namespaces are not selected: their
ExternalSecrets are going away with them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eso.api import conditions as c
from eso.api.clusterexternalsecret import ClusterExternalSecretSpec
from eso.api.meta import LabelSelector
from eso.controllers.clusterexternalsecret.errors import SelectorError

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY = re.compile(rf"^({_PREFIX}/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_SET_OPERATORS = ("In", "NotIn")
_EXISTENCE_OPERATORS = ("Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One compiled ``matchExpressions`` entry."""

    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        return present if self.operator == "Exists" else not present


@dataclass(frozen=True, slots=True)
class CompiledSelector:
    """A label selector checked once, matched many times."""

    match_labels: tuple[tuple[str, str], ...]
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.match_labels):
            return False
        return all(r.matches(labels) for r in self.requirements)


@dataclass(frozen=True, slots=True)
class NamespaceSelection:
    """What one ClusterExternalSecret selects: compiled selectors plus names."""

    selectors: tuple[CompiledSelector, ...]
    names: frozenset[str]

    def selects(self, name: str, labels: Mapping[str, str]) -> bool:
        """Whether the namespace ``name`` with ``labels`` is selected."""
        return name in self.names or any(s.matches(labels) for s in self.selectors)


def compile_selection(spec: ClusterExternalSecretSpec) -> NamespaceSelection:
    """The spec's selection; raises ``SelectorError`` naming the first invalid selector."""
    return NamespaceSelection(
        selectors=tuple(compile_selector(s) for s in spec.selectors()),
        names=frozenset(spec.namespaces or ()),
    )


def compile_raw_selection(spec: Mapping[str, Any]) -> NamespaceSelection:
    """``compile_selection`` from a raw CES ``spec``, validating only the selection fields.

    For event handlers, which run per namespace event for every CES: validating the whole
    spec (the ExternalSecret spec inside) there would cost far more than the match itself.
    """
    selectors = [spec.get("namespaceSelector"), *(spec.get("namespaceSelectors") or [])]
    return NamespaceSelection(
        selectors=tuple(
            compile_selector(LabelSelector.model_validate(s)) for s in selectors if s is not None
        ),
        names=frozenset(spec.get("namespaces") or ()),
    )


def compile_selector(selector: LabelSelector) -> CompiledSelector:
    """Kubernetes' ``LabelSelectorAsSelector`` checks; raises ``SelectorError``."""
    try:
        labels = tuple(_label(k, v) for k, v in sorted((selector.match_labels or {}).items()))
        expressions = selector.match_expressions or []
        reqs = tuple(_requirement(r.key, r.operator, r.values or []) for r in expressions)
    except ValueError as e:
        shown = json.dumps(selector.to_dict(), sort_keys=True, separators=(",", ":"))
        raise SelectorError(c.ERR_CES_SELECTOR.format(selector=shown, error=e)) from None
    return CompiledSelector(match_labels=labels, requirements=reqs)


def _label(key: str, value: str) -> tuple[str, str]:
    _check_key(key)
    _check_value(value)
    return key, value


def _requirement(key: str, operator: str, values: list[str]) -> Requirement:
    _check_key(key)
    if operator in _SET_OPERATORS:
        if not values:
            raise ValueError(
                f"values: Invalid value: {_go_list(values)}: "
                "for 'in', 'notin' operators, values set can't be empty"
            )
    elif operator in _EXISTENCE_OPERATORS:
        if values:
            raise ValueError(
                f"values: Invalid value: {_go_list(values)}: "
                "values set must be empty for exists and does not exist"
            )
    else:
        raise ValueError(f"{json.dumps(operator)} is not a valid label selector operator")
    for value in values:
        _check_value(value)
    return Requirement(key=key, operator=operator, values=frozenset(values))


def _check_key(key: str) -> None:
    name = key.rpartition("/")[2]
    if not _KEY.match(key) or len(name) > 63 or len(key) - len(name) > 254:
        raise ValueError(f"key: Invalid value: {json.dumps(key)}: not a qualified label name")


def _check_value(value: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise ValueError(f"values[0]: Invalid value: {json.dumps(value)}: not a valid label value")


def _go_list(values: list[str]) -> str:
    return "[]string{" + ", ".join(json.dumps(v) for v in values) + "}"


def namespace_labels(namespace: Mapping[str, Any]) -> Mapping[str, str]:
    """A raw Namespace's labels (empty when it has none)."""
    labels: Mapping[str, str] = (namespace.get("metadata") or {}).get("labels") or {}
    return labels


def selected_namespaces(
    selection: NamespaceSelection, namespaces: Iterable[Mapping[str, Any]]
) -> list[str]:
    """Names of the live (not terminating) namespaces the selection picks, sorted."""
    found = []
    for ns in namespaces:
        meta = ns.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            continue
        if selection.selects(meta.get("name", ""), namespace_labels(ns)):
            found.append(meta.get("name", ""))
    return sorted(found)
