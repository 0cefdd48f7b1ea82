"""The rollout feature's event reasons and messages: part of eso's API, like ESO's reasons.

Named once here so tests, docs and alerts match the words the controller writes. No message
carries a Secret value or the hash written to the workload: only kinds, names and reasons.
"""

from __future__ import annotations

from typing import Final

# The ExternalSecret annotation naming the workloads to roll (kind/name, comma-separated).
ANNOTATION_ROLLOUT_ON_CHANGE: Final = "eso.io/rollout-on-change"
# Prefix of the pod-template annotation eso writes; the name part is the ExternalSecret's name.
POD_TEMPLATE_HASH_PREFIX: Final = "secret-hash.eso.io/"

EVENT_REASON_ROLLOUT: Final = "RolloutTriggered"
EVENT_REASON_ROLLOUT_FAILED: Final = "RolloutFailed"
EVENT_REASON_ROLLOUT_DISABLED: Final = "RolloutDisabled"

EVENT_MSG_ROLLOUT: Final = "secret data changed: rolled out {workload}"
EVENT_MSG_DISABLED: Final = (
    "secret data changed but workloads were not restarted: eso runs without "
    "--enable-rollout-on-change (chart value rolloutOnChange.enabled)"
)
EVENT_MSG_FAILED: Final = "secret data changed but {workload} was not restarted: {detail}"
EVENT_MSG_BAD_ENTRY: Final = (
    "secret data changed; eso.io/rollout-on-change entry {entry!r} ignored: {detail}"
)

ERR_NOT_FOUND: Final = "it does not exist in this namespace"
ERR_FORBIDDEN: Final = (
    "eso may not patch it (RBAC: the chart grants patch only with rolloutOnChange.enabled)"
)
ERR_UNKNOWN_KIND: Final = (
    "unknown kind {kind!r}: only deployment, statefulset and daemonset can be rolled out"
)
ERR_CROSS_NAMESPACE: Final = (
    "targets in another namespace are refused: name a workload in the ExternalSecret's "
    "namespace as kind/name"
)
ERR_BAD_ENTRY: Final = "expected kind/name"
ERR_BAD_NAME: Final = "{name!r} is not a valid object name"
ERR_API_REFUSED: Final = "the API server refused the patch: {detail}"
