"""What a PushSecret entry pushes, how a property is merged, and AWS push metadata defaults."""

from __future__ import annotations

import pytest

from eso.providers.aws.pushmeta import parameter_store_metadata, secrets_manager_metadata
from eso.providers.base import ConfigError
from eso.providers.pushvalue import extract_value, json_of_base64
from eso.providers.setpath import NotJSONDocumentError, set_property

META = {"apiVersion": "kubernetes.external-secrets.io/v1alpha1", "kind": "PushSecretMetadata"}


def test_whole_secret_is_sorted_compact_json_without_html_escaping() -> None:
    got = extract_value({"b": b"<&>", "a": "é".encode()}, "")
    assert got == '{"a":"é","b":"<&>"}'.encode()


def test_a_missing_key_names_the_key_only() -> None:
    with pytest.raises(ConfigError, match=r"with key: password$"):
        extract_value({"other": b"v"}, "password")


def test_bytes_marshal_as_base64_as_go_does() -> None:
    assert json_of_base64({"k": b"\x00\xff"}) == b'{"k":"AP8="}'


@pytest.mark.parametrize(
    ("current", "prop", "want"),
    [
        pytest.param(None, "a", b'{"a":"v"}', id="new-document"),
        pytest.param(b"", "a.b", b'{"a":{"b":"v"}}', id="nested-new"),
        pytest.param(b'{"x": 1, "a": {"c": 2}}', "a.b", b'{"x":1,"a":{"c":2,"b":"v"}}', id="kept"),
        pytest.param(b'{"a.b": "old"}', "a\\.b", b'{"a.b":"v"}', id="escaped-dot"),
        pytest.param(b'{"l": ["x", "y"]}', "l.1", b'{"l":["x","v"]}', id="array-index"),
    ],
)
def test_set_property_merges_into_the_document(
    current: bytes | None, prop: str, want: bytes
) -> None:
    assert set_property(current, prop, b"v") == want


def test_set_property_refuses_a_document_that_is_not_json() -> None:
    with pytest.raises(NotJSONDocumentError, match="requires a json secret"):
        set_property(b"plain", "a", b"v")


def test_secrets_manager_defaults_are_esos() -> None:
    meta = secrets_manager_metadata(None)
    assert meta.secret_push_format == "binary"
    assert meta.kms_key_id == "alias/aws/secretsmanager"
    assert meta.description == "secret 'managed-by:external-secrets'"
    assert meta.tags == {"managed-by": "external-secrets"}


def test_parameter_store_defaults_are_esos() -> None:
    meta = parameter_store_metadata({**META, "spec": {"tags": {"t": "1"}}})
    assert (meta.secret_type, meta.tier.type, meta.kms_key_id) == (
        "String",
        "Standard",
        "alias/aws/ssm",
    )
    assert meta.tags == {"t": "1", "managed-by": "external-secrets"}


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        pytest.param({**META, "apiVersion": "v1"}, "unexpected apiVersion", id="api-version"),
        pytest.param({**META, "kind": "Other"}, "unexpected kind", id="kind"),
        pytest.param({**META, "spec": {"secretType": "Blob"}}, "secretType", id="bad-type"),
    ],
)
def test_bad_metadata_says_what_is_wrong(metadata: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parameter_store_metadata(metadata)  # type: ignore[arg-type]
