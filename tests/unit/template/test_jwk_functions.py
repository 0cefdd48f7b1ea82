"""ESO's jwkPublicKeyPem and jwkPrivateKeyPem cases (``template_test.go``), and their errors."""

from __future__ import annotations

import json
import re

import pytest
from eso_go_vectors import (
    JWK_PRIV_EC,
    JWK_PRIV_ECPKCS8,
    JWK_PRIV_RSA,
    JWK_PRIV_RSAPKCS8,
    JWK_PUB_EC,
    JWK_PUB_ECPKIX,
    JWK_PUB_RSA,
    JWK_PUB_RSAPKIX,
)

from eso.template.functions import jwk
from eso.template.functions.registry import FuncError, FuncMap

ED25519_PRIVATE = (
    '{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",'
    '"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'
)
ED25519_PUBLIC = '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(JWK_PUB_RSA, JWK_PUB_RSAPKIX, id="rsa"),
        pytest.param(JWK_PUB_EC, JWK_PUB_ECPKIX, id="ec-p521"),
    ],
)
def test_public_jwk_as_pkix_pem(text: str, want: str) -> None:
    assert jwk.jwk_public_key_pem(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(JWK_PRIV_RSA, JWK_PRIV_RSAPKCS8, id="rsa"),
        pytest.param(JWK_PRIV_EC, JWK_PRIV_ECPKCS8, id="ec-p256"),
    ],
)
def test_private_jwk_as_pkcs8_pem(text: str, want: str) -> None:
    assert jwk.jwk_private_key_pem(text) == want


def test_rsa_private_jwk_without_crt_fields_gives_same_pem() -> None:
    fields = json.loads(JWK_PRIV_RSA)
    for name in ("p", "q", "dp", "dq", "qi"):
        del fields[name]
    assert jwk.jwk_private_key_pem(json.dumps(fields)) == JWK_PRIV_RSAPKCS8


def test_ed25519_keys() -> None:
    assert jwk.jwk_public_key_pem(ED25519_PUBLIC).startswith("-----BEGIN PUBLIC KEY-----\nMCow")
    assert jwk.jwk_private_key_pem(ED25519_PRIVATE).startswith("-----BEGIN PRIVATE KEY-----\nMC4C")


@pytest.mark.parametrize(
    ("fn", "text", "message"),
    [
        pytest.param(
            jwk.jwk_public_key_pem, JWK_PRIV_RSA,
            "x509: unsupported public key type: *rsa.PrivateKey", id="public/private-rsa",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, JWK_PRIV_EC,
            "x509: unsupported public key type: *ecdsa.PrivateKey", id="public/private-ec",
        ),
        pytest.param(
            jwk.jwk_private_key_pem, JWK_PUB_RSA,
            "x509: unknown key type while marshaling PKCS#8: *rsa.PublicKey", id="private/public",
        ),
        pytest.param(
            jwk.jwk_private_key_pem, '{"kty":"oct","k":"czNjcjN0"}',
            "x509: unknown key type while marshaling PKCS#8: []uint8", id="private/oct",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, '{"kty":"OKP","crv":"X25519","x":"czNjcjN0"}',
            "x509: unsupported public key type: x25519.PublicKey", id="public/x25519",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, "s3cr3t not json",
            "failed to unmarshal JSON into key hint", id="not-json",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, '{"kty":"RSA","e":"AQAB"}',
            "required field n is missing", id="rsa-missing-n",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, '{"kty":"EC","crv":"P-192","x":"AA","y":"AA"}',
            "unsupported elliptic curve", id="ec-unknown-curve",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, '{"kty":"EC","crv":"P-256","x":"czNjcjN0","y":"czNjcjN0"}',
            "failed to parse key: invalid key parameters", id="ec-point-not-on-curve",
        ),
        pytest.param(
            jwk.jwk_public_key_pem, '{"kty":"s3cr3t"}',
            "invalid key type", id="unknown-kty",
        ),
    ],
)  # fmt: skip
def test_jwk_errors(fn: object, text: str, message: str) -> None:
    assert callable(fn)
    with pytest.raises(FuncError, match=re.escape(message)) as err:
        fn(text)
    assert "czNjcjN0" not in str(err.value)
    assert "s3cr3t" not in str(err.value)


def test_register_declares_go_signatures() -> None:
    funcs = FuncMap()
    jwk.register(funcs)
    assert funcs.names() == ["jwkPrivateKeyPem", "jwkPublicKeyPem"]
