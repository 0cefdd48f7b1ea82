"""``spec.dataTo``: a source Secret's keys expanded into push entries, per store, as ESO does.

ESO's ``expandDataTo`` and its helpers (``pushsecret_controller.go``), restated. Each rule
targets the stores its ``storeRef`` names (by name, which must be one of ``secretStoreRefs``,
or every resolved store of its kind matching ``labelSelector``, which must match one). For a
store, each of its rules converts the source keys (``conversionStrategy``), keeps those
``match.regexp`` matches (Go's RE2, all keys without one), then either

- bundle mode (``remoteKey`` set): one entry pushing the matched keys as one JSON object, or
- per-key mode: one entry per matched key, its remote key the key after ``rewrite``
  (``regexp`` and ``transform``, in order; ESO's PushSecret rewrite has no ``merge``).

Two rules producing the same remote key are an error; an explicit ``data`` entry for the same
source key replaces the rule's entry, and no two entries may push to the same remote key and
property. Every entry carries the rule's ``metadata``, so provider metadata works as for
``data``. Errors are ``PushFailedError`` with ESO's wording and no retry (an edit fixes them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from eso.api.pushsecret import PushSecret, PushSecretData, PushSecretDataTo, status_ref
from eso.api.secretstore import AnyStore
from eso.controllers.externalsecret.rewrite import RewriteError, rewrite_map
from eso.controllers.pushsecret.errors import PushFailedError
from eso.controllers.pushsecret.keys import reverse_key, reverse_keys
from eso.controllers.secretstore.namespaces import label_selector_matches
from eso.template import re2

BUNDLE_SOURCE: Final = "(bundle)"
ERR_STORE_REF_REQUIRED: Final = "dataTo[{index}]: storeRef is required"
ERR_STORE_REF_EMPTY: Final = "dataTo[{index}]: storeRef must have name or labelSelector"
ERR_STORE_REF_UNKNOWN: Final = 'dataTo[{index}]: storeRef "{name}" not found in secretStoreRefs'
ERR_NO_STORE_MATCHES: Final = (
    "dataTo[{index}]: labelSelector does not match any store in secretStoreRefs"
)
ERR_EXPAND: Final = "failed to expand dataTo: dataTo[{index}]: {error}"
ERR_BUNDLE_REWRITE: Final = (
    "remoteKey and rewrite are mutually exclusive: rewrite is only supported in per-key mode "
    "(without remoteKey)"
)
ERR_MATCH: Final = "match failed: failed to compile regexp pattern {pattern!r}: {error}"
ERR_REWRITE: Final = "rewrite failed: {error}"
ERR_MERGE: Final = "rewrite[{index}]: only regexp and transform rewrite PushSecret keys"
ERR_EMPTY_REMOTE: Final = "empty remote key produced for source key {key!r}"
ERR_DUPLICATE: Final = (
    'failed to expand dataTo: dataTo[{index}]: duplicate remote key "{remote}" from source key '
    '"{source}" (conflicts with {other})'
)
ERR_SAME_DESTINATION: Final = (
    'failed to merge data entries: duplicate remote key "{remote}"{prop}: source keys '
    '"{first}" and "{second}" both map to the same destination'
)


@dataclass(frozen=True)
class StorePlan:
    """What to push to one store: the entries, and the data of each bundle entry."""

    entries: list[PushSecretData]
    bundles: dict[str, dict[str, bytes]] = field(default_factory=dict, repr=False)

    def data_for(self, entry: PushSecretData, source: Mapping[str, bytes]) -> Mapping[str, bytes]:
        """The data ``entry`` pushes from: its bundle's matched keys, else the source."""
        return self.bundles.get(status_ref(entry), source)


def _kind(kind: str | None) -> str:
    return kind or "SecretStore"


def validate_store_refs(ps: PushSecret) -> None:
    """ESO's ``validateDataToStoreRefs``; raises ``PushFailedError``."""
    named = {(_kind(r.kind), r.name) for r in ps.spec.secret_store_refs if r.name}
    for index, rule in enumerate(ps.spec.data_to):
        ref = rule.store_ref
        if ref is None:
            raise PushFailedError(ERR_STORE_REF_REQUIRED.format(index=index), retry=False)
        if not ref.name and ref.label_selector is None:
            raise PushFailedError(ERR_STORE_REF_EMPTY.format(index=index), retry=False)
        if ref.name and (_kind(ref.kind), ref.name) not in named:
            detail = ERR_STORE_REF_UNKNOWN.format(index=index, name=ref.name)
            raise PushFailedError(detail, retry=False)


def _targets(rule: PushSecretDataTo, store: AnyStore) -> bool:
    ref = rule.store_ref
    if ref is None or _kind(ref.kind) != store.kind:
        return False
    if ref.name:
        return ref.name == store.name
    labels = store.metadata.labels or {}
    return ref.label_selector is not None and label_selector_matches(ref.label_selector, labels)


def validate_selectors(ps: PushSecret, stores: Sequence[AnyStore]) -> None:
    """ESO's ``validateDataToMatchesResolvedStores``: a selector must match some store."""
    for index, rule in enumerate(ps.spec.data_to):
        if rule.store_ref is None or rule.store_ref.name or rule.store_ref.label_selector is None:
            continue
        if not any(_targets(rule, store) for store in stores):
            raise PushFailedError(ERR_NO_STORE_MATCHES.format(index=index), retry=False)


def plan_for_store(ps: PushSecret, store: AnyStore, data: Mapping[str, bytes]) -> StorePlan:
    """The entries for ``store``: its ``dataTo`` rules expanded, then ``data`` merged in."""
    expanded: list[PushSecretData] = []
    bundles: dict[str, dict[str, bytes]] = {}
    seen: dict[str, str] = {}
    for index, rule in enumerate(ps.spec.data_to):
        if not _targets(rule, store):
            continue
        try:
            entries, key_map, bundle = _expand(rule, data)
        except PushFailedError as e:
            raise PushFailedError(ERR_EXPAND.format(index=index, error=e), retry=False) from None
        _register(seen, key_map, index=index)
        if bundle is not None:
            bundles.update({status_ref(entry): bundle for entry in entries})
        expanded.extend(entries)
    return StorePlan(entries=_merged(expanded, ps.spec.data, data), bundles=bundles)


def _expand(
    rule: PushSecretDataTo, data: Mapping[str, bytes]
) -> tuple[list[PushSecretData], dict[str, str], dict[str, bytes] | None]:
    """One rule's entries, its source → remote key map and (bundle mode) the matched data."""
    if rule.remote_key and rule.rewrite:
        raise PushFailedError(ERR_BUNDLE_REWRITE, retry=False)
    converted = reverse_keys(rule.conversion_strategy, data)
    original = {reverse_key(rule.conversion_strategy, key): key for key in data}
    matched = _matching(sorted(converted), (rule.match or {}).get("regexp", ""))
    if not matched:
        return [], {}, None
    if rule.remote_key:
        entry = _entry("", rule.remote_key, rule)
        return [entry], {BUNDLE_SOURCE: rule.remote_key}, {k: converted[k] for k in matched}
    key_map = _rewritten(rule, matched)
    entries = [_entry(original[key], key_map[key], rule) for key in sorted(key_map)]
    return entries, key_map, None


def _matching(keys: list[str], pattern: str) -> list[str]:
    if not pattern:
        return keys
    try:
        compiled = re2.compile(pattern)
    except re2.RegexpError as e:
        raise PushFailedError(ERR_MATCH.format(pattern=pattern, error=e), retry=False) from None
    return [key for key in keys if compiled.match_string(key)]


def _rewritten(rule: PushSecretDataTo, keys: list[str]) -> dict[str, str]:
    """ESO's ``rewriteWithKeyMapping``: converted key → remote key after every rewrite."""
    for index, op in enumerate(rule.rewrite):
        if op.merge is not None:
            raise PushFailedError(ERR_MERGE.format(index=index), retry=False)
    as_values = {key: key.encode("utf-8", "surrogateescape") for key in keys}
    try:
        renamed = rewrite_map(rule.rewrite, as_values)
    except RewriteError as e:
        raise PushFailedError(ERR_REWRITE.format(error=e), retry=False) from None
    key_map = {old.decode("utf-8", "surrogateescape"): new for new, old in renamed.items()}
    for source, remote in key_map.items():
        if not remote:
            raise PushFailedError(ERR_EMPTY_REMOTE.format(key=source), retry=False)
    return key_map


def _entry(secret_key: str, remote_key: str, rule: PushSecretDataTo) -> PushSecretData:
    return PushSecretData.model_validate(
        {
            "match": {"secretKey": secret_key, "remoteRef": {"remoteKey": remote_key}},
            "metadata": rule.metadata,
            "conversionStrategy": "None",
        }
    )


def _register(seen: dict[str, str], key_map: Mapping[str, str], *, index: int) -> None:
    """ESO's ``registerRemoteKeys``: no remote key twice across the rules."""
    for source, remote in key_map.items():
        if remote in seen:
            detail = ERR_DUPLICATE.format(
                index=index, remote=remote, source=source, other=seen[remote]
            )
            raise PushFailedError(detail, retry=False)
        seen[remote] = f"dataTo[{index}]:{source}"


def _original_key(entry: PushSecretData, data: Mapping[str, bytes]) -> str:
    key = entry.secret_key
    if entry.conversion_strategy == "None":
        return key
    return next((k for k in data if reverse_key(entry.conversion_strategy, k) == key), key)


def _merged(
    expanded: list[PushSecretData], explicit: list[PushSecretData], data: Mapping[str, bytes]
) -> list[PushSecretData]:
    """ESO's ``mergeDataEntries``: explicit entries win by source key; destinations unique."""
    taken = {_original_key(entry, data) for entry in explicit}
    merged = [entry for entry in expanded if entry.secret_key not in taken] + list(explicit)
    seen: dict[tuple[str, str], str] = {}
    for entry in merged:
        where = (entry.remote_key, entry.remote_property)
        if where in seen:
            prop = f' with property "{entry.remote_property}"' if entry.remote_property else ""
            detail = ERR_SAME_DESTINATION.format(
                remote=entry.remote_key, prop=prop, first=seen[where], second=entry.secret_key
            )
            raise PushFailedError(detail, retry=False)
        seen[where] = entry.secret_key
    return merged
