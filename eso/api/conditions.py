"""The API's named strings: condition types, reasons and messages, event reasons and messages,
labels, annotations, finalizers and field owners.

They are part of our API: dashboards, alerts, Argo CD health checks and scripts written for ESO
match on them, so every value is ESO's exact string (``apis/externalsecrets/v1`` and
``pkg/controllers/{externalsecret,secretstore}``). Messages with ``{placeholders}`` are
``str.format`` templates of ESO's Go format strings. The few strings ESO has no equivalent for
are marked "eso only".
"""

from __future__ import annotations

from typing import Final

# --- API group ------------------------------------------------------------------------------
GROUP: Final = "external-secrets.io"
VERSION: Final = "v1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
KIND_EXTERNAL_SECRET: Final = "ExternalSecret"
KIND_SECRET_STORE: Final = "SecretStore"
KIND_CLUSTER_SECRET_STORE: Final = "ClusterSecretStore"
KIND_CLUSTER_EXTERNAL_SECRET: Final = "ClusterExternalSecret"

# --- Condition types and statuses ------------------------------------------------------------
CONDITION_READY: Final = "Ready"
CONDITION_DELETED: Final = "Deleted"
STATUS_TRUE: Final = "True"
STATUS_FALSE: Final = "False"
STATUS_UNKNOWN: Final = "Unknown"

# --- ExternalSecret condition reasons -------------------------------------------------------
REASON_SECRET_SYNCED: Final = "SecretSynced"
REASON_SECRET_SYNCED_ERROR: Final = "SecretSyncedError"
REASON_SECRET_DELETED: Final = "SecretDeleted"
REASON_SECRET_MISSING: Final = "SecretMissing"

# --- ExternalSecret condition messages ------------------------------------------------------
MSG_SYNCED: Final = "secret synced"
MSG_SYNCED_RETAIN: Final = "secret retained due to DeletionPolicy=Retain"
MSG_DELETED: Final = "secret deleted due to DeletionPolicy=Delete"
MSG_MISSING: Final = "secret will not be created due to CreationPolicy=Merge"
MSG_ES_DELETED: Final = "Secret was deleted"  # the Deleted condition, set while finalizing
MSG_ERROR_GET_SECRET_DATA: Final = "could not get secret data from provider"
MSG_ERROR_DELETE_SECRET: Final = "could not delete secret"
MSG_ERROR_DELETE_ORPHANED: Final = "could not delete orphaned secrets"
MSG_ERROR_UPDATE_SECRET: Final = "could not update secret"
MSG_ERROR_UPDATE_IMMUTABLE: Final = "could not update secret, target is immutable"
MSG_ERROR_BECOME_OWNER: Final = "failed to take ownership of target secret"
MSG_ERROR_IS_OWNED: Final = "target is owned by another ExternalSecret"
# eso only: ESO puts the bare message above in the condition and the cause in an event; we also
# name the cause in the condition (never a value), as the issue asks.
MSG_ERROR_DETAIL: Final = "{message}: {detail}"
# eso only: the spec uses fields eso models but does not implement (eso.api.features).
MSG_NOT_IMPLEMENTED: Final = "not implemented yet by eso: {features}"

# --- Store resolution errors (ExternalSecret condition details) -----------------------------
ERR_GET_CLUSTER_SECRET_STORE: Final = 'could not get ClusterSecretStore "{name}", {error}'
ERR_GET_SECRET_STORE: Final = 'could not get SecretStore "{name}", {error}'
ERR_STORE_NOT_READY: Final = '{kind} "{name}" is not ready'
ERR_CLUSTER_STORE_MISMATCH: Final = (
    'using cluster store "{name}" is not allowed from namespace "{namespace}":'
    " denied by spec.condition"
)
ERR_DELETE_CREATE_POLICY: Final = (
    "unable to delete secret {name}: creationPolicy={policy} is not Owner"
)
ERR_INVALID_KEYS: Final = (
    "invalid secret keys (TIP: use rewrite or conversionStrategy to change keys): {error}"
)
# eso only: checked before writing, so the API server's 422 never costs a request (ESO lets the
# write fail and reports "could not update secret" with the API error).
MAX_SECRET_SIZE: Final = 1024 * 1024  # kube-apiserver's core.MaxSecretSize, bytes of values
ERR_SECRET_TOO_LARGE: Final = (
    "secret data is {size} bytes, more than the {limit} bytes a Secret may hold"
)
# eso only: condition messages are capped (a failure per item of a large ExternalSecret would
# otherwise make an unbounded status); the failures beyond the cap are counted.
MAX_CONDITION_MESSAGE: Final = 1024  # characters
MSG_MORE_FAILURES: Final = "... and {count} more"

# --- Store condition reasons ----------------------------------------------------------------
REASON_STORE_VALID: Final = "Valid"
REASON_INVALID_STORE: Final = "InvalidStoreConfiguration"
REASON_INVALID_PROVIDER_CONFIG: Final = "InvalidProviderConfig"
REASON_VALIDATION_FAILED: Final = "ValidationFailed"
REASON_VALIDATION_UNKNOWN: Final = "ValidationUnknown"
REASON_STORE_UNMAINTAINED: Final = "StoreUnmaintained"
REASON_STORE_DEPRECATED: Final = "StoreDeprecated"

# --- Store condition messages ---------------------------------------------------------------
# ESO's condition message is the bare message below ("unable to validate store") with the cause
# only in the Warning event. eso writes "<ESO's message>: <cause>" in the condition (an eso
# improvement: `kubectl get` shows why) and still puts the cause in the Warning event, as ESO
# does, so tools matching ESO's message by prefix keep working.
MSG_STORE_VALIDATED: Final = "store validated"
MSG_UNABLE_CREATE_CLIENT: Final = "unable to create client"
MSG_UNABLE_VALIDATE_STORE: Final = "unable to validate store"
MSG_VALIDATION_UNKNOWN: Final = "could not determine validation status"
MSG_STORE_NOT_MAINTAINED: Final = (
    "store isn't currently maintained. Please plan and prepare accordingly."
)
MSG_STORE_DEPRECATED: Final = (
    "store is deprecated and will be removed on the next minor release."
    " Please plan and prepare accordingly."
)
ERR_STORE_CLIENT: Final = "could not get provider client: {error}"
ERR_VALIDATION_FAILED: Final = "could not validate provider: {error}"
# eso only: a store refreshInterval that is not a duration (ESO fails to parse it at decode).
ERR_STORE_REFRESH_INTERVAL: Final = 'invalid spec.refreshInterval "{value}": {error}'

# --- Events ---------------------------------------------------------------------------------
EVENT_NORMAL: Final = "Normal"
EVENT_WARNING: Final = "Warning"
# Reasons. Store events reuse the store condition reasons (Valid, InvalidProviderConfig,
# ValidationUnknown, StoreUnmaintained, StoreDeprecated), as ESO does.
EVENT_REASON_CREATED: Final = "Created"
EVENT_REASON_UPDATED: Final = "Updated"
EVENT_REASON_DELETED: Final = "Deleted"
EVENT_REASON_UPDATE_FAILED: Final = "UpdateFailed"
EVENT_REASON_DEPRECATED: Final = "ParameterDeprecated"
EVENT_REASON_MISSING_PROVIDER_SECRET: Final = "MissingProviderSecret"
# Messages. UpdateFailed events carry the (sanitised) error text itself.
EVENT_MSG_CREATED: Final = "secret created"
EVENT_MSG_UPDATED: Final = "secret updated"
EVENT_MSG_DELETED: Final = "secret deleted due to DeletionPolicy=Delete"
EVENT_MSG_DELETED_ORPHANED: Final = "secret deleted because it was orphaned"
EVENT_MSG_MISSING_PROVIDER_SECRET: Final = (
    "secret does not exist at provider using spec.dataFrom[{index}]"
)
EVENT_MSG_MISSING_PROVIDER_SECRET_KEY: Final = (
    "secret does not exist at provider using spec.dataFrom[{index}] (key={key})"
)
# --- ClusterExternalSecret (pkg/controllers/clusterexternalsecret) ---------------------------
# ESO's CES condition has no reason: Ready True with no message, or False with this one.
MSG_CES_NAMESPACES_FAILED: Final = "one or more namespaces failed"
# failedNamespaces[].reason when an ExternalSecret of that name exists and is not ours.
MSG_CES_ES_EXISTS: Final = "external secret already exists in namespace"
# failedNamespaces[].namespace when the selectors themselves fail (ESO's map key).
CES_UNKNOWN_NAMESPACE: Final = "unknown"
ERR_CES_SELECTOR: Final = "failed to convert label selector {selector}: {error}"
ERR_CES_CREATE_OR_UPDATE: Final = "could not create or update ExternalSecret: {error}"
ERR_CES_DELETE: Final = "external secret in non matching namespace could not be deleted: {error}"
# Events on the ClusterExternalSecret (eso only: ESO records none for this kind).
EVENT_CES_NAMESPACES_FAILED: Final = "NamespacesFailed"
EVENT_CES_PROVISIONED: Final = "Provisioned"
MSG_CES_PROVISIONED: Final = "ExternalSecret {name} provisioned in {count} namespace(s)"
COMPONENT_CLUSTER_EXTERNAL_SECRET: Final = "cluster-external-secret"

# Event source components (ESO's recorder names).
COMPONENT_EXTERNAL_SECRETS: Final = "external-secrets"
COMPONENT_SECRET_STORE: Final = "secret-store"
COMPONENT_CLUSTER_SECRET_STORE: Final = "cluster-secret-store"

# --- Labels and annotations -----------------------------------------------------------------
LABEL_MANAGED: Final = "reconcile.external-secrets.io/managed"
LABEL_MANAGED_VALUE: Final = "true"
# On Secrets with creationPolicy=Owner: eso.api.hashing.owner_label_value(namespace, name).
LABEL_OWNER: Final = "reconcile.external-secrets.io/created-by"
# eso.api.hashing.data_hash(secret.data), ESO's exact value.
ANNOTATION_DATA_HASH: Final = "reconcile.external-secrets.io/data-hash"
# ESO mirrors it from a ClusterExternalSecret; any annotation change (ESO's docs use
# `kubectl annotate es NAME force-sync=$(date +%s)`) makes the controller refresh now.
ANNOTATION_FORCE_SYNC: Final = "external-secrets.io/force-sync"
ANNOTATION_IGNORE_MAINTENANCE_CHECKS: Final = "external-secrets.io/ignore-maintenance-checks"
# On our CRDs.
LABEL_COMPONENT: Final = "external-secrets.io/component"
LABEL_COMPONENT_VALUE: Final = "controller"

# --- Finalizers and field owners ------------------------------------------------------------
FINALIZER_EXTERNAL_SECRET: Final = "externalsecrets.external-secrets.io/externalsecret-cleanup"
FINALIZER_SECRET_STORE: Final = "secretstore.externalsecrets.io/finalizer"
# ESO's on a ClusterExternalSecret, and on each namespace it provisioned (+ the CES name).
FINALIZER_CLUSTER_EXTERNAL_SECRET: Final = (
    "externalsecrets.external-secrets.io/clusterexternalsecret-cleanup"
)
FINALIZER_CES_NAMESPACE_PREFIX: Final = "externalsecrets.external-secrets.io/ces-"
# Server-side apply / update field manager for a managed Secret: see
# eso.api.hashing.field_owner(es_name), which falls back to a sha3 form past 63 characters.
FIELD_OWNER_TEMPLATE: Final = "externalsecrets.external-secrets.io/{name}"
FIELD_OWNER_SHA_TEMPLATE: Final = "externalsecrets.external-secrets.io/sha3/{digest}"
