"""PushSecret and ClusterPushSecret's named strings: condition reasons, event reasons, messages.

ESO's (``apis/externalsecrets/v1alpha1/pushsecret_types.go``, ``pkg/controllers/pushsecret``,
``pkg/controllers/clusterpushsecret``) wherever ESO has one, so alerts and runbooks written for
ESO match; eso's own additions (a store that cannot be written, an unimplemented field) say
so in the message and keep ESO's ``Errored`` reason. Part of our API, like
``eso.api.conditions``.
"""

from __future__ import annotations

KIND_PUSH_SECRET = "PushSecret"
KIND_CLUSTER_PUSH_SECRET = "ClusterPushSecret"
COMPONENT_PUSH_SECRET = "pushsecret"

# Condition (and event) reasons, as ESO.
REASON_SYNCED = "Synced"
REASON_ERRORED = "Errored"
REASON_SOURCE_DELETED = "SourceDeleted"

# Messages, as ESO words them ({...} placeholders are ours).
MSG_SYNCED = "PushSecret synced successfully"
MSG_SYNCED_IF_NOT_EXISTS = (
    "PushSecret synced successfully. Existing secrets in providers unchanged."
)
MSG_SOURCE_DELETED = "source secret deleted; provider secrets cleaned up"
ERR_GET_SOURCE = "could not get source secret"
ERR_NO_SELECTOR = "no secret selector provided"
ERR_GENERATOR = ERR_GET_SOURCE + ": could not resolve secret from generator ref {ref}: {error}"
GENERATOR_REF = "{kind}/{name}"
MSG_NO_GENERATORS = "generators are not available in this controller"
ERR_GET_SECRET_STORE = "could not get SecretStore {name!r}, {error}"
ERR_GET_CLUSTER_SECRET_STORE = "could not get ClusterSecretStore {name!r}, {error}"
ERR_STORE_NAME_REQUIRED = "refStore Name must be provided"
ERR_SET_SECRET_FAILED = "set secret failed: {error}"
ERR_WRITE_REMOTE = "could not write remote ref {key} to target secretstore {store}: {error}"
ERR_KEY_MISSING = "secret key {key} does not exist"
ERR_EXISTS_CHECK = "could not verify if secret exists in store: {error}"
ERR_DELETE_FAILED = "Failed to Delete Secrets from Provider: {error}"
ERR_CLEANUP_FAILED = "failed to cleanup provider secrets: {error}"
ERR_CLIENT = "could not get secrets client for store {store}: {error}"
ERR_TEMPLATE = "could not execute template: {error}"
# eso's own: ESO would call the provider and get "not implemented" back.
ERR_READ_ONLY = (
    "store {store} cannot be written to (capabilities ReadOnly): PushSecret needs a ReadWrite store"
)
ERR_NOT_IMPLEMENTED = "PushSecret uses fields eso does not implement yet: {features}"
ERR_REFRESH_INTERVAL = "invalid spec.refreshInterval {value!r}: {error}"
ERR_STORE_NOT_READY = "{kind} {name!r} is not ready"
ERR_STORE_NOT_ALLOWED = (
    "using cluster store {name!r} is not allowed from namespace {namespace!r}: "
    "denied by spec.condition"
)

# ClusterPushSecret (ESO's clusterpushsecret controller; its failure events use ESO's Errored
# reason, and eso adds a Normal event when the set of namespaces changed).
COMPONENT_CPS_EVENTS = "external-secrets-controller"  # ESO's recorder name for this kind
MSG_CPS_NAMESPACES_FAILED = "one or more namespaces failed"
MSG_CPS_TARGET_NAMESPACES = "failed to get target Namespaces"
MSG_CPS_PROVISIONED = "PushSecret {name!r} provisioned in {count} namespaces"
EVENT_CPS_PROVISIONED = "Provisioned"
ERR_CPS_CHILD_EXISTS = "push secret already exists in namespace"
ERR_CPS_CREATE_OR_UPDATE = "could not create or update push secret: {error}"
ERR_CPS_DELETE = "external secret in non matching namespace could not be deleted: {error}"
