"""Sprig's ``crypto_test.go`` (as ESO vendors sprig) restated, plus the error paths it skips."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from typing import Any

import bcrypt as bcrypt_lib
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from eso_go_vectors import CERT_DATA, KEY_DATA

from eso.template.functions import certgen, crypto
from eso.template.functions.registry import MAX_OUTPUT, FuncError, FuncMap

SPRIG_CRYPTO = [
    "bcrypt", "htpasswd", "genPrivateKey", "derivePassword", "buildCustomCert", "genCA",
    "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
    "genSignedCertWithKey", "encryptAES", "decryptAES", "randBytes", "uuidv4",
]  # fmt: skip
FAST_KEY_TYPES = ["ecdsa", "ed25519"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def load(cert: dict[str, Any]) -> x509.Certificate:
    return x509.load_pem_x509_certificate(str(cert["Cert"]).encode())


def test_register_registers_every_sprig_crypto_function() -> None:
    funcs = FuncMap()
    crypto.register(funcs)
    assert sorted(funcs.names()) == sorted(SPRIG_CRYPTO)
    signed = funcs.get("genSignedCert")
    assert signed is not None
    assert signed.params == (
        "string",
        "[]interface {}",
        "[]interface {}",
        "int",
        "sprig.certificate",
    )
    assert (signed.result, signed.returns_error) == ("sprig.certificate", True)
    derive = funcs.get("derivePassword")
    assert derive is not None
    assert derive.params[0] == "uint32"


def test_bcrypt_hash_verifies_with_go_prefix_and_cost() -> None:
    out = crypto.bcrypt("abc")
    assert out.startswith("$2a$10$")
    assert bcrypt_lib.checkpw(b"abc", out.encode())


def test_bcrypt_reports_too_long_password_as_value() -> None:
    out = crypto.bcrypt("x" * 73)
    assert out == "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"


@pytest.mark.parametrize(
    ("username", "password", "algorithm"),
    [
        pytest.param("myUser", "myPassword", "bcrypt", id="bcrypt"),
        pytest.param(
            "special'o79Cv_*qFe,)<user", "special<j7+3p#6-.Jx2U:m8G;kGypassword", "bcrypt",
            id="special-characters",
        ),
        pytest.param("myDefaultUser", "defaulthashpass", "", id="default-is-bcrypt"),
    ],
)  # fmt: skip
def test_htpasswd_bcrypt(username: str, password: str, algorithm: str) -> None:
    user, _, digest = crypto.htpasswd(username, password, algorithm).partition(":")
    assert user == username
    assert bcrypt_lib.checkpw(password.encode(), digest.encode())


def test_htpasswd_sha() -> None:
    digest = base64.b64encode(hashlib.sha1(b"myShaPassword").digest()).decode()
    assert crypto.htpasswd("mySahUser", "myShaPassword", "sha") == f"mySahUser:{{SHA}}{digest}"


def test_htpasswd_rejects_colon_in_username_as_value() -> None:
    assert (
        crypto.htpasswd("wrongus:er", "doesn'tmatter", "bcrypt") == "invalid username: wrongus:er"
    )


@pytest.mark.parametrize(
    ("counter", "kind", "want"),
    [
        pytest.param(1, "long", "ZedaFaxcZaso9*", id="long-1"),
        pytest.param(2, "long", "Fovi2@JifpTupx", id="long-2"),
        pytest.param(1, "maximum", "pf4zS1LjCg&LjhsZ7T2~", id="maximum"),
        pytest.param(1, "medium", "ZedJuz8$", id="medium"),
        pytest.param(1, "basic", "pIS54PLs", id="basic"),
        pytest.param(1, "short", "Zed5", id="short"),
        pytest.param(1, "pin", "6685", id="pin"),
    ],
)
def test_derive_password_matches_sprig(counter: int, kind: str, want: str) -> None:
    assert crypto.derive_password(counter, kind, "password", "user", "example.com") == want


def test_derive_password_unknown_template_is_a_value() -> None:
    out = crypto.derive_password(1, "bogus", "password", "user", "example.com")
    assert out == "cannot find password template bogus"


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        pytest.param("", "RSA PRIVATE KEY", id="default-rsa"),
        pytest.param("dsa", "DSA PRIVATE KEY", id="dsa"),
        pytest.param("ecdsa", "EC PRIVATE KEY", id="ecdsa"),
        pytest.param("ed25519", "PRIVATE KEY", id="ed25519"),
    ],
)
def test_gen_private_key_pem_block_by_type(kind: str, label: str) -> None:
    out = certgen.gen_private_key(kind)
    assert out.startswith(f"-----BEGIN {label}-----\n")
    assert out.endswith(f"-----END {label}-----\n")
    assert all(len(line) <= 64 for line in out.splitlines())


def test_gen_private_key_unknown_type_is_a_value() -> None:
    assert certgen.gen_private_key("bad") == "Unknown type bad"


def test_rand_bytes_are_base64_and_fresh() -> None:
    out = crypto.rand_bytes(12)
    assert len(base64.b64decode(out)) == 12
    assert crypto.rand_bytes(12) != out


@pytest.mark.parametrize(
    ("count", "message"),
    [
        pytest.param(-1, "runtime error: makeslice: len out of range", id="negative"),
        pytest.param(MAX_OUTPUT + 1, "exceeds the template limit", id="too-large"),
    ],
)
def test_rand_bytes_errors(count: int, message: str) -> None:
    with pytest.raises(FuncError, match=message):
        crypto.rand_bytes(count)


def test_uuidv4_is_random_version_4() -> None:
    out = crypto.uuidv4()
    assert len(out) == 36
    assert uuid.UUID(out).version == 4
    assert crypto.uuidv4() != out


def test_encrypt_decrypt_aes_round_trip() -> None:
    cipher = crypto.encrypt_aes("secretkey", "plaintext")
    assert len(base64.b64decode(cipher)) == 32  # IV + one block
    assert crypto.decrypt_aes("secretkey", cipher) == "plaintext"
    assert crypto.encrypt_aes("secretkey", "plaintext") != cipher
    long_key = "k" * 40  # sprig keeps the first 32 bytes
    assert crypto.decrypt_aes("k" * 32, crypto.encrypt_aes(long_key, "x" * 40)) == "x" * 40


def test_aes_empty_input_is_empty() -> None:
    assert crypto.encrypt_aes("k", "") == ""
    assert crypto.decrypt_aes("k", "") == ""


@pytest.mark.parametrize(
    ("crypt64", "message"),
    [
        pytest.param("!!s3cr3t!!", "illegal base64 data", id="not-base64"),
        pytest.param(base64.b64encode(b"short").decode(), "slice bounds out of range", id="short"),
        pytest.param(base64.b64encode(bytes(20)).decode(), "input not full blocks", id="partial"),
        pytest.param(base64.b64encode(bytes(16)).decode(), "index out of range", id="iv-only"),
    ],
)
def test_decrypt_aes_errors(crypt64: str, message: str) -> None:
    with pytest.raises(FuncError, match=message) as err:
        crypto.decrypt_aes("secretkey", crypt64)
    assert "s3cr3t" not in str(err.value)
    assert "secretkey" not in str(err.value)


def test_gen_ca_is_self_signed_ca() -> None:
    ca = certgen.gen_ca("foo-ca", 365)
    assert isinstance(ca, certgen.GoStruct)
    assert ca.go_type == "sprig.certificate"
    assert list(ca) == ["Cert", "Key"]
    cert = load(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "foo-ca"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert str(ca["Key"]).startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    cert.verify_directly_issued_by(cert)


@pytest.mark.parametrize("kind", FAST_KEY_TYPES)
def test_gen_ca_with_key_uses_given_key(kind: str) -> None:
    key = certgen.gen_private_key(kind)
    ca = certgen.gen_ca_with_key("foo-ca", 365, key)
    assert ca["Key"] == key
    assert load(ca).extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def _check_leaf(cert: x509.Certificate) -> None:
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "foo.com"
    assert cert.serial_number > 0
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.1", "10.0.0.2"]
    assert san.get_values_for_type(x509.DNSName) == ["bar.com", "bat.com"]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


IPS: list[Any] = ["10.0.0.1", "10.0.0.2"]
DNS: list[Any] = ["bar.com", "bat.com"]


def test_gen_self_signed_cert() -> None:
    cert = load(certgen.gen_self_signed_cert("foo.com", IPS, DNS, 365))
    _check_leaf(cert)
    cert.verify_directly_issued_by(cert)


@pytest.mark.parametrize("kind", FAST_KEY_TYPES)
def test_gen_self_signed_cert_with_key(kind: str) -> None:
    out = certgen.gen_self_signed_cert_with_key(
        "foo.com", IPS, DNS, 365, certgen.gen_private_key(kind)
    )
    _check_leaf(load(out))


def test_gen_signed_cert_links_to_ca() -> None:
    ca = certgen.gen_ca("foo", 365)
    cert = load(certgen.gen_signed_cert("foo.com", IPS, DNS, 365, ca))
    _check_leaf(cert)
    cert.verify_directly_issued_by(load(ca))
    ski = load(ca).extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski


@pytest.mark.parametrize("ca_kind", FAST_KEY_TYPES)
@pytest.mark.parametrize("cert_kind", FAST_KEY_TYPES)
def test_gen_signed_cert_with_key(ca_kind: str, cert_kind: str) -> None:
    ca = certgen.gen_ca_with_key("foo", 365, certgen.gen_private_key(ca_kind))
    key = certgen.gen_private_key(cert_kind)
    out = certgen.gen_signed_cert_with_key("foo.com", IPS, DNS, 365, ca, key)
    assert out["Key"] == key
    _check_leaf(load(out))
    load(out).verify_directly_issued_by(load(ca))


def test_pkcs8_rsa_key_comes_back_in_sprig_block() -> None:
    out = certgen.gen_self_signed_cert_with_key("foo.com", None, None, 1, KEY_DATA)
    assert str(out["Key"]).startswith("-----BEGIN RSA PRIVATE KEY-----\n")


def test_empty_subject_makes_san_critical() -> None:
    cert = load(certgen.gen_self_signed_cert_with_key("", None, ["a.example"], 1, _ec_key()))
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical


def _ec_key() -> str:
    return certgen.gen_private_key("ecdsa")


def test_build_custom_cert_returns_inputs() -> None:
    ca = certgen.gen_ca_with_key("example.com", 365, _ec_key())
    out = certgen.build_custom_cert(b64(str(ca["Cert"])), b64(str(ca["Key"])))
    assert out == ca
    assert out.go_type == "sprig.certificate"


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        pytest.param("@@", b64(KEY_DATA), "unable to decode base64 certificate", id="cert-b64"),
        pytest.param(b64(CERT_DATA), "@@", "unable to decode base64 private key", id="key-b64"),
        pytest.param(b64("fail"), b64(KEY_DATA), "unable to decode certificate", id="not-pem"),
        pytest.param(
            b64(KEY_DATA), b64(KEY_DATA), "error parsing certificate: decodedCert.Bytes: ",
            id="key-as-cert",
        ),
        pytest.param(
            b64(CERT_DATA), b64(CERT_DATA),
            "error parsing private key: no private key data in PEM block of type CERTIFICATE",
            id="cert-as-key",
        ),
    ],
)  # fmt: skip
def test_build_custom_cert_errors(cert: str, key: str, message: str) -> None:
    with pytest.raises(FuncError, match=re.escape(message)):
        certgen.build_custom_cert(cert, key)


@pytest.mark.parametrize(
    ("ips", "dns", "message"),
    [
        pytest.param(["not-an-ip"], None, "error parsing ip: not-an-ip", id="bad-ip"),
        pytest.param([1], None, "error parsing ip: 1 is not a string", id="ip-not-string"),
        pytest.param(
            None, [2], "error processing alternate dns name: 2 is not a string", id="dns-not-string"
        ),
    ],
)
def test_gen_self_signed_cert_name_errors(
    ips: list[Any] | None, dns: list[Any] | None, message: str
) -> None:
    with pytest.raises(FuncError, match=re.escape(message)):
        certgen.gen_self_signed_cert_with_key("foo", ips, dns, 1, _ec_key())


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("s3cr3t", "parsing private key: no PEM data in input", id="no-pem"),
        pytest.param(CERT_DATA, "no private key data in PEM block of type CERTIFICATE", id="cert"),
        pytest.param(
            "-----BEGIN FOO PRIVATE KEY-----\nAAAA\n-----END FOO PRIVATE KEY-----\n",
            "invalid private key type FOO PRIVATE KEY",
            id="unknown-type",
        ),
        pytest.param(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            "parsing RSA private key from PEM: ",
            id="bad-rsa",
        ),
    ],
)
def test_with_key_parse_errors(key: str, message: str) -> None:
    with pytest.raises(FuncError, match=re.escape(message)) as err:
        certgen.gen_ca_with_key("foo", 1, key)
    assert "s3cr3t" not in str(err.value)


def test_dsa_key_cannot_sign() -> None:
    with pytest.raises(FuncError, match=r"does not implement crypto\.Signer"):
        certgen.gen_ca_with_key("foo", 1, certgen.gen_private_key("dsa"))


def test_signed_cert_needs_a_parsable_ca() -> None:
    bogus = certgen.GoStruct("sprig.certificate", Cert="nope", Key="")
    with pytest.raises(FuncError, match=r"^unable to decode certificate$"):
        certgen.gen_signed_cert_with_key("foo", None, None, 1, bogus, _ec_key())


def test_generated_keys_are_go_key_types() -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    assert isinstance(load_pem_private_key(_ec_key().encode(), None), ec.EllipticCurvePrivateKey)
    ed = certgen.gen_private_key("ed25519").encode()
    assert isinstance(load_pem_private_key(ed, None), ed25519.Ed25519PrivateKey)


ESO_FUNCTIONS = [
    "pkcs12key", "pkcs12keyPass", "pkcs12cert", "pkcs12certPass", "pemToPkcs12",
    "pemToPkcs12Pass", "fullPemToPkcs12", "fullPemToPkcs12Pass", "pemTruststoreToPKCS12",
    "pemTruststoreToPKCS12Pass", "filterPEM", "filterCertChain", "certSANs", "jwkPublicKeyPem",
    "jwkPrivateKeyPem", "toYaml", "fromYaml", "rsaDecrypt",
]  # fmt: skip


def test_all_modules_register_eso_functions_once() -> None:
    """ESO's own ``tplFuncs`` plus sprig's crypto functions, no name registered twice."""
    from eso.template.functions import decrypt, jwk, pem, pkcs12, yamlfuncs

    funcs = FuncMap()
    for module in (crypto, pkcs12, pem, jwk, yamlfuncs, decrypt):
        module.register(funcs)
    assert sorted(funcs.names()) == sorted(ESO_FUNCTIONS + SPRIG_CRYPTO)
    assert all(callable(f.fn) for f in funcs)


@pytest.mark.parametrize(
    ("cn", "string_tag"),
    [
        pytest.param("foo.com", 0x13, id="printable"),
        pytest.param("*.foo.com", 0x0C, id="wildcard-is-utf8"),
        pytest.param("café", 0x0C, id="non-ascii-is-utf8"),
    ],
)
def test_common_name_string_type_follows_go_asn1(cn: str, string_tag: int) -> None:
    cert = load(certgen.gen_self_signed_cert_with_key(cn, None, None, 1, _ec_key()))
    der = cert.subject.public_bytes()
    value = cn.encode()
    assert bytes([string_tag, len(value)]) + value in der
