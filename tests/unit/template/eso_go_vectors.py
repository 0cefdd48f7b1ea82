"""Test vectors from ESO v2.9's Go tests, loaded from ``testdata/go-vectors``.

The files hold the string constants of ``runtime/template/v2/{template,pem,pkcs12}_test.go``
verbatim (one constant per file, named after it), so these tests replay ESO's own cases.
"""

from __future__ import annotations

from pathlib import Path

_DIR = Path(__file__).parent / "testdata" / "go-vectors"


def _load(name: str) -> str:
    return (_DIR / f"{name}.txt").read_text()


CERT_DATA = _load("cert_data")
EXPECTED_PFX = _load("expected_pfx")
EXPECTED_PFX_CA = _load("expected_pfx_ca")
EXPECTED_PFX_CAS = _load("expected_pfx_cas")
JWK_PRIV_EC = _load("jwk_priv_ec")
JWK_PRIV_ECPKCS8 = _load("jwk_priv_ecpkcs8")
JWK_PRIV_RSA = _load("jwk_priv_rsa")
JWK_PRIV_RSAPKCS8 = _load("jwk_priv_rsapkcs8")
JWK_PUB_EC = _load("jwk_pub_ec")
JWK_PUB_ECPKIX = _load("jwk_pub_ecpkix")
JWK_PUB_RSA = _load("jwk_pub_rsa")
JWK_PUB_RSAPKIX = _load("jwk_pub_rsapkix")
KEY_DATA = _load("key_data")
OTHER_CERT = _load("other_cert")
PKCS12_CERT = _load("pkcs12_cert")
PKCS12_CONTENT_NO_PASS = _load("pkcs12_content_no_pass")
PKCS12_CONTENT_WITH_PASS = _load("pkcs12_content_with_pass")
PKCS12_KEY = _load("pkcs12_key")
RSA_DECRYPT_DATA_PKCS1_BASE64 = _load("rsa_decrypt_data_pkcs1_base64")
RSA_DECRYPT_DATA_PKCS8_BASE64 = _load("rsa_decrypt_data_pkcs8_base64")
RSA_DECRYPT_PKRSAPKCS1 = _load("rsa_decrypt_pkrsapkcs1")
RSA_DECRYPT_PKRSAPKCS8 = _load("rsa_decrypt_pkrsapkcs8")
RSA_DECRYPT_PUB_KEY_RSAPKCS1 = _load("rsa_decrypt_pub_key_rsapkcs1")
