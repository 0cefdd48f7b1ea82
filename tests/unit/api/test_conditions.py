"""Spot checks that the API strings are ESO's exact values: tools written for ESO match on them."""

from __future__ import annotations

from eso.api import conditions as c


def test_external_secret_condition_strings_are_esos() -> None:
    assert (c.CONDITION_READY, c.CONDITION_DELETED) == ("Ready", "Deleted")
    assert c.REASON_SECRET_SYNCED == "SecretSynced"
    assert c.REASON_SECRET_SYNCED_ERROR == "SecretSyncedError"
    assert c.MSG_SYNCED == "secret synced"
    assert c.MSG_ERROR_GET_SECRET_DATA == "could not get secret data from provider"


def test_store_condition_strings_are_esos() -> None:
    assert c.REASON_STORE_VALID == "Valid"
    assert c.REASON_INVALID_STORE == "InvalidStoreConfiguration"
    assert c.REASON_INVALID_PROVIDER_CONFIG == "InvalidProviderConfig"
    assert c.MSG_STORE_VALIDATED == "store validated"
    assert c.MSG_UNABLE_CREATE_CLIENT == "unable to create client"
    assert c.MSG_UNABLE_VALIDATE_STORE == "unable to validate store"


def test_labels_annotations_and_finalizers_are_esos() -> None:
    assert c.LABEL_MANAGED == "reconcile.external-secrets.io/managed"
    assert c.ANNOTATION_DATA_HASH == "reconcile.external-secrets.io/data-hash"
    assert (
        c.FINALIZER_EXTERNAL_SECRET == "externalsecrets.external-secrets.io/externalsecret-cleanup"
    )


def test_message_templates_format_with_named_fields() -> None:
    text = c.ERR_CLUSTER_STORE_MISMATCH.format(name="global", namespace="apps")
    assert text == (
        'using cluster store "global" is not allowed from namespace "apps":'
        " denied by spec.condition"
    )
    assert c.MSG_NOT_IMPLEMENTED.format(features="spec.dataFrom[0].find") == (
        "not implemented yet by eso: spec.dataFrom[0].find"
    )
