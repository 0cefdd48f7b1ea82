"""ESO's ClusterSecretStore ``spec.conditions``: which namespaces may use a cluster store.

``namespace_allowed`` is ESO's ``shouldProcessSecret``: a namespace may use the store if any
condition matches it by label selector, by name, or by (unanchored, like Go's
``regexp.MatchString``) regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from eso.api.models import ClusterSecretStoreCondition, LabelSelector


def label_selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """Kubernetes label selector semantics; an empty selector matches everything."""
    for key, value in (selector.match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.match_expressions or []:
        values = req.values or []
        present = req.key in labels
        ok = {
            "In": present and labels.get(req.key) in values,
            "NotIn": not present or labels.get(req.key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(req.operator, False)
        if not ok:
            return False
    return True


def needs_namespace_labels(conditions: list[ClusterSecretStoreCondition]) -> bool:
    """Whether checking the conditions needs the namespace's labels (a GET)."""
    return any(cond.namespace_selector is not None for cond in conditions)


def namespace_allowed(
    conditions: list[ClusterSecretStoreCondition],
    namespace: str,
    labels: Mapping[str, str],
) -> bool:
    """ESO's ``shouldProcessSecret`` for a ClusterSecretStore used from ``namespace``."""
    if not conditions:
        return True
    for cond in conditions:
        if cond.namespace_selector is not None and label_selector_matches(
            cond.namespace_selector, labels
        ):
            return True
        if namespace in cond.namespaces:
            return True
        for pattern in cond.namespace_regexes:
            try:
                if re.search(pattern, namespace):
                    return True
            except re.error:
                continue
    return False
