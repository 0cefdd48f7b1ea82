"""ESO's ``decrypt_test.go`` and the ``rsaDecrypt`` cases of ``template_test.go``."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from eso_go_vectors import (
    CERT_DATA,
    RSA_DECRYPT_DATA_PKCS1_BASE64,
    RSA_DECRYPT_DATA_PKCS8_BASE64,
    RSA_DECRYPT_PKRSAPKCS1,
    RSA_DECRYPT_PKRSAPKCS8,
    RSA_DECRYPT_PUB_KEY_RSAPKCS1,
)

from eso.template.functions import decrypt
from eso.template.functions._gostr import go_string
from eso.template.functions.registry import FuncError, FuncMap


def b64dec(text: str) -> str:
    return go_string(base64.b64decode(text))


def oaep_encrypt(key_pem: str, hash_algorithm: hashes.HashAlgorithm, plaintext: bytes) -> str:
    """RSA-OAEP encryption to a PEM public key, or to the public half of a private key."""
    if "PRIVATE" in key_pem:
        private = serialization.load_pem_private_key(key_pem.encode(), None)
        assert isinstance(private, rsa.RSAPrivateKey)
        public: object = private.public_key()
    else:
        public = serialization.load_pem_public_key(key_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hash_algorithm), algorithm=hash_algorithm, label=None)
    return go_string(public.encrypt(plaintext, oaep))


@pytest.mark.parametrize(
    ("hash_name", "data", "key", "want"),
    [
        pytest.param(
            "SHA1", b64dec(RSA_DECRYPT_DATA_PKCS8_BASE64), RSA_DECRYPT_PKRSAPKCS8, "a1b2c3d4",
            id="pkcs8-sha1",
        ),
        pytest.param(
            "SHA256", b64dec(RSA_DECRYPT_DATA_PKCS1_BASE64), RSA_DECRYPT_PKRSAPKCS1,
            "hellopkcs1sha256", id="pkcs1-sha256",
        ),
        pytest.param(
            "SHA256",
            oaep_encrypt(RSA_DECRYPT_PUB_KEY_RSAPKCS1, hashes.SHA256(), b"hellopkcs1sha256"),
            RSA_DECRYPT_PKRSAPKCS1, "hellopkcs1sha256", id="pkcs1-binary-ciphertext",
        ),
        pytest.param(
            "SHA512",
            oaep_encrypt(RSA_DECRYPT_PKRSAPKCS8, hashes.SHA512(), b"sha512"),
            RSA_DECRYPT_PKRSAPKCS8, "sha512", id="sha512",
        ),
        pytest.param(
            "whatever",
            oaep_encrypt(RSA_DECRYPT_PUB_KEY_RSAPKCS1, hashes.SHA256(), b"default"),
            RSA_DECRYPT_PKRSAPKCS1, "default", id="unknown-hash-is-sha256",
        ),
    ],
)  # fmt: skip
def test_rsa_oaep_decrypts(hash_name: str, data: str, key: str, want: str) -> None:
    assert decrypt.rsa_decrypt("RSA-OAEP", hash_name, data, key) == want


def test_none_scheme_returns_input() -> None:
    assert decrypt.rsa_decrypt("None", "SHA256", "plaintext", "irrelevant") == "plaintext"


@pytest.mark.parametrize(
    ("scheme", "data", "key", "message"),
    [
        pytest.param(
            "RSA-OAEP", "data", "not-a-valid-pem", "failed to decode PEM block", id="invalid-pem"
        ),
        pytest.param(
            "RSA-OAEP",
            "data",
            "-----BEGIN CERTIFICATE-----\naW52YWxpZA==\n-----END CERTIFICATE-----\n",
            "could not parse private key: unable to parse private key type",
            id="not-a-private-key",
        ),
        pytest.param(
            "Unsupported",
            "data",
            RSA_DECRYPT_PKRSAPKCS1,
            "decryption scheme Unsupported is not supported",
            id="unsupported-scheme",
        ),
        pytest.param(
            "RSA-OAEP",
            "not-encrypted-data",
            RSA_DECRYPT_PKRSAPKCS1,
            "error decrypting data with RSA: crypto/rsa: decryption error",
            id="not-ciphertext",
        ),
        pytest.param("RSA-OAEP", "data", CERT_DATA, "unable to parse", id="certificate-as-key"),
    ],
)
def test_rsa_decrypt_errors(scheme: str, data: str, key: str, message: str) -> None:
    with pytest.raises(FuncError, match=message):
        decrypt.rsa_decrypt(scheme, "SHA256", data, key)


def test_non_rsa_key_is_refused() -> None:
    ec_key = (
        "-----BEGIN EC PRIVATE KEY-----\n"
        "MHcCAQEEIMuAjEwBeXznOjx3V7viagAznflfL+p64CXkm++xlXhkoAoGCCqGSM49\n"
        "AwEHoUQDQgAEqnxdeInykx8JZsLi13rZLekoG2cosQ3F+2InVNy7hCQ7soMqdaJs\n"
        "GQ6LFtovogUFtOOTRWrunblqNWGZsowHbA==\n"
        "-----END EC PRIVATE KEY-----\n"
    )
    with pytest.raises(FuncError, match=r"^could not parse RSA private key$"):
        decrypt.rsa_decrypt("RSA-OAEP", "SHA256", "data", ec_key)


def test_decryption_failure_does_not_echo_ciphertext_or_wrong_plaintext() -> None:
    """A ciphertext for another key fails with a fixed message, nothing of the data in it."""
    other = oaep_encrypt(RSA_DECRYPT_PUB_KEY_RSAPKCS1, hashes.SHA256(), b"s3cr3t-value")
    with pytest.raises(FuncError) as err:
        decrypt.rsa_decrypt("RSA-OAEP", "SHA256", other, RSA_DECRYPT_PKRSAPKCS8)
    assert str(err.value) == "error decrypting data with RSA: crypto/rsa: decryption error"


def test_register_declares_go_signature() -> None:
    funcs = FuncMap()
    decrypt.register(funcs)
    func = funcs.get("rsaDecrypt")
    assert func is not None
    assert func.params == ("string", "string", "string", "string")
    assert func.returns_error
