"""ESO's ``pkcs12_test.go``, ``TestPkcs12certPass`` and the PKCS#12 cases of ``template_test.go``.

ESO's encoder tests fix go-pkcs12's randomness to a constant reader; ``_pkcs12codec`` takes
the same reader, so the archives are compared byte for byte with ESO's expected output. The
public functions use real randomness and are checked by reading their output back, with our
decoder and with OpenSSL's (``cryptography``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from conftest import fixture_bytes_as_go_string, fixture_text
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12 as openssl_pkcs12
from cryptography.x509.oid import NameOID
from eso_go_vectors import (
    CERT_DATA,
    EXPECTED_PFX,
    EXPECTED_PFX_CA,
    EXPECTED_PFX_CAS,
    KEY_DATA,
    OTHER_CERT,
    PKCS12_CERT,
    PKCS12_CONTENT_NO_PASS,
    PKCS12_CONTENT_WITH_PASS,
    PKCS12_KEY,
)

from eso.template.functions import _pkcs12codec, pkcs12
from eso.template.functions._goname import go_name_string
from eso.template.functions._gostr import go_bytes, go_string
from eso.template.functions._rc2 import rc2_cbc_decrypt
from eso.template.functions.pkcs12 import _ca_certs, _first_cert, _key
from eso.template.functions.registry import FuncError, FuncMap

LEAF, INTERMEDIATE, ROOT, DISJUNCT = (
    "foo.crt",
    "intermediate-ca.crt",
    "root-ca.crt",
    "disjunct-root-ca.crt",
)


def mock_rand(size: int) -> bytes:
    """ESO's ``MockRandomReader``: ``"0123456789"`` (with quotes) copied into zeroed buffers."""
    return (b'"0123456789"' + bytes(size))[:size]


def b64dec(text: str) -> str:
    return go_string(base64.b64decode(text))


def test_pem_to_pkcs12_matches_eso_bytes_with_fixed_randomness() -> None:
    leaf, _ = _first_cert(go_bytes(CERT_DATA))
    pfx = _pkcs12codec.encode(
        _key(KEY_DATA), cert=leaf, ca_certs=[], password="password", rand=mock_rand
    )
    assert base64.b64encode(pfx).decode() == EXPECTED_PFX


def test_full_pem_to_pkcs12_matches_eso_bytes_with_fixed_randomness() -> None:
    leaf, rest = _first_cert(go_bytes(CERT_DATA + "\n" + OTHER_CERT))
    cas = _ca_certs(rest)
    pfx = _pkcs12codec.encode(
        _key(KEY_DATA), cert=leaf, ca_certs=cas, password="password", rand=mock_rand
    )
    assert base64.b64encode(pfx).decode() == EXPECTED_PFX_CA


def test_truststore_matches_eso_bytes_with_fixed_randomness() -> None:
    certs = _ca_certs(go_bytes(CERT_DATA + "\n" + OTHER_CERT))
    pfx = _pkcs12codec.encode_truststore(certs, password="password", rand=mock_rand)
    assert base64.b64encode(pfx).decode() == EXPECTED_PFX_CAS


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        pytest.param(pkcs12.pkcs12key, (b64dec(PKCS12_CONTENT_NO_PASS),), id="no-pass"),
        pytest.param(
            pkcs12.pkcs12key_pass, ("123456", b64dec(PKCS12_CONTENT_WITH_PASS)), id="with-pass"
        ),
    ],
)
def test_pkcs12key_extracts_pkcs8_pem(fn: Callable[..., str], args: tuple[str, ...]) -> None:
    assert fn(*args) == PKCS12_KEY


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        pytest.param(pkcs12.pkcs12cert, (b64dec(PKCS12_CONTENT_NO_PASS),), id="no-pass"),
        pytest.param(
            pkcs12.pkcs12cert_pass, ("123456", b64dec(PKCS12_CONTENT_WITH_PASS)), id="with-pass"
        ),
    ],
)
def test_pkcs12cert_extracts_certificate_pem(fn: Callable[..., str], args: tuple[str, ...]) -> None:
    assert fn(*args) == PKCS12_CERT


@pytest.mark.parametrize(
    ("password", "archive", "want"),
    [
        pytest.param("", "foo-nopass.pfx", [LEAF, INTERMEDIATE, ROOT], id="no-password"),
        pytest.param("1234", "foo-withpass-1234.pfx", [LEAF, INTERMEDIATE, ROOT], id="password"),
        pytest.param("", "foo-multibag-nopass.pfx", [LEAF, INTERMEDIATE, ROOT], id="multibag"),
        pytest.param(
            "", "foo-disjunct-nopass.pfx", [LEAF, ROOT, INTERMEDIATE, DISJUNCT], id="disjunct-raw"
        ),
    ],
)
def test_pkcs12cert_orders_chain_leaf_first(password: str, archive: str, want: list[str]) -> None:
    got = pkcs12.pkcs12cert_pass(password, fixture_bytes_as_go_string(archive))
    assert got == fixture_text(*want)


def test_pkcs12key_reads_fixture_key() -> None:
    key = pkcs12.pkcs12key_pass("1234", fixture_bytes_as_go_string("foo-withpass-1234.pfx"))
    assert key.startswith("-----BEGIN PRIVATE KEY-----\n")


@pytest.mark.parametrize(
    ("fn", "prefix"),
    [
        pytest.param(pkcs12.pkcs12key_pass, "unable to decode pkcs12 with password: ", id="key"),
        pytest.param(
            pkcs12.pkcs12cert_pass,
            "unable to decode pkcs12 certificate with password: ",
            id="cert",
        ),
    ],
)
def test_wrong_password_is_reported_without_the_password(
    fn: Callable[[str, str], str], prefix: str
) -> None:
    with pytest.raises(FuncError) as err:
        fn("wrong-s3cr3t", b64dec(PKCS12_CONTENT_WITH_PASS))
    assert str(err.value) == prefix + "pkcs12: decryption password incorrect"
    assert "s3cr3t" not in str(err.value)


@pytest.mark.parametrize(
    "archive",
    [
        pytest.param("not-a-pfx-s3cr3t", id="text"),
        pytest.param(go_string(b"\x30\x03\x02\x01\x03" + b"s3cr3t"), id="truncated-der"),
        pytest.param(b64dec(PKCS12_CONTENT_NO_PASS)[:400], id="cut-archive"),
    ],
)
def test_garbage_archive_errors_do_not_echo_input(archive: str) -> None:
    with pytest.raises(FuncError) as err:
        pkcs12.pkcs12key(archive)
    message = str(err.value)
    assert message.startswith("unable to decode pkcs12 with password: pkcs12: ")
    assert "s3cr3t" not in message
    assert archive[:16] not in message


def _read_back(pfx_b64: str, password: str) -> openssl_pkcs12.PKCS12KeyAndCertificates:
    return openssl_pkcs12.load_pkcs12(base64.b64decode(pfx_b64), password.encode())


@pytest.mark.parametrize("password", [pytest.param("", id="empty"), pytest.param("pw", id="pw")])
def test_pem_to_pkcs12_round_trips(password: str) -> None:
    out = pkcs12.pem_to_pkcs12_pass(CERT_DATA, KEY_DATA, password)
    archive = b64dec(out)
    assert pkcs12.pkcs12cert_pass(password, archive) == CERT_DATA
    assert pkcs12.pkcs12key_pass(password, archive) == KEY_DATA
    loaded = _read_back(out, password)
    assert loaded.cert is not None
    assert loaded.additional_certs == []
    assert pkcs12.pem_to_pkcs12(CERT_DATA, KEY_DATA) != out  # fresh salts every call


def test_full_pem_to_pkcs12_keeps_ca_certificates_in_order() -> None:
    chain = fixture_text(LEAF, INTERMEDIATE, ROOT)
    out = pkcs12.full_pem_to_pkcs12_pass(chain, fixture_text("foo.key"), "pw")
    assert pkcs12.pkcs12cert_pass("pw", b64dec(out)) == chain
    assert len(_read_back(out, "pw").additional_certs) == 2
    assert pkcs12.pkcs12cert(b64dec(pkcs12.full_pem_to_pkcs12(chain, fixture_text("foo.key"))))


def test_full_pem_to_pkcs12_accepts_sec1_key() -> None:
    out = pkcs12.full_pem_to_pkcs12(fixture_text(LEAF), fixture_text("foo.key"))
    assert pkcs12.pkcs12key(b64dec(out)).startswith("-----BEGIN PRIVATE KEY-----\n")


def test_truststore_marks_every_certificate_trusted() -> None:
    out = pkcs12.pem_truststore_to_pkcs12_pass(fixture_text(ROOT, INTERMEDIATE), "pw")
    loaded = _read_back(out, "pw")
    assert loaded.key is None
    assert [c.friendly_name for c in loaded.additional_certs] == [
        b"CN=root-ca",
        b"CN=intermediate-ca",
    ]
    assert pkcs12.pem_truststore_to_pkcs12(fixture_text(ROOT))


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        pytest.param(
            pkcs12.pem_to_pkcs12,
            ("no pem here", KEY_DATA),
            pkcs12.ERR_NIL_POINTER,
            id="pemToPkcs12/no-cert-block",
        ),
        pytest.param(
            pkcs12.pem_to_pkcs12,
            (CERT_DATA, "no key here"),
            pkcs12.ERR_NIL_POINTER,
            id="pemToPkcs12/no-key-block",
        ),
        pytest.param(
            pkcs12.pem_to_pkcs12,
            (KEY_DATA, KEY_DATA),
            "x509: malformed tbs certificate",
            id="pemToPkcs12/key-as-cert",
        ),
        pytest.param(
            pkcs12.pem_to_pkcs12,
            (CERT_DATA, CERT_DATA),
            "unable to parse private key type",
            id="pemToPkcs12/cert-as-key",
        ),
        pytest.param(
            pkcs12.full_pem_to_pkcs12,
            (CERT_DATA + "\n\n", KEY_DATA),
            pkcs12.ERR_NIL_POINTER,
            id="fullPemToPkcs12/trailing-blank-line",
        ),
        pytest.param(
            pkcs12.pem_truststore_to_pkcs12,
            (CERT_DATA + KEY_DATA,),
            "x509: malformed tbs certificate",
            id="truststore/key-block",
        ),
    ],
)
def test_pem_to_pkcs12_errors(fn: Callable[..., str], args: tuple[str, ...], message: str) -> None:
    with pytest.raises(FuncError) as err:
        fn(*args)
    assert str(err.value) == message


def test_register_declares_all_functions() -> None:
    funcs = FuncMap()
    pkcs12.register(funcs)
    assert len(funcs) == 10
    key_pass = funcs.get("pkcs12keyPass")
    assert key_pass is not None
    assert key_pass.params == ("string", "string")
    assert key_pass.returns_error


def _openssl_archive(encryption: serialization.KeySerializationEncryption) -> str:
    key = serialization.load_pem_private_key(fixture_text("foo.key").encode(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    leaf = x509.load_pem_x509_certificate(fixture_text(LEAF).encode())
    cas = [x509.load_pem_x509_certificate(fixture_text(n).encode()) for n in (ROOT, INTERMEDIATE)]
    return go_string(
        openssl_pkcs12.serialize_key_and_certificates(None, key, leaf, cas, encryption)
    )


@pytest.mark.parametrize(
    ("password", "encryption"),
    [
        pytest.param("", serialization.NoEncryption(), id="unencrypted-no-mac"),
        pytest.param(
            "pw",
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .key_cert_algorithm(openssl_pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(b"pw"),
            id="3des-sha1-mac",
        ),
        pytest.param(
            "pw",
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .key_cert_algorithm(openssl_pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA512())
            .build(b"pw"),
            id="aes-sha512-mac",
        ),
    ],
)
def test_reads_archives_openssl_writes(
    password: str, encryption: serialization.KeySerializationEncryption
) -> None:
    archive = _openssl_archive(encryption)
    assert pkcs12.pkcs12cert_pass(password, archive) == fixture_text(LEAF, INTERMEDIATE, ROOT)
    key = pkcs12.pkcs12key_pass(password, archive)
    assert serialization.load_pem_private_key(key.encode(), None).public_key() == (
        serialization.load_pem_private_key(fixture_text("foo.key").encode(), None).public_key()
    )


@pytest.mark.parametrize(
    ("key", "plaintext", "ciphertext"),
    [
        pytest.param("ffffffffffffffff", "ffffffffffffffff", "278b27e42e2f0d49", id="64-bit-ones"),
        pytest.param("3000000000000000", "1000000000000001", "30649edf9be7d2c2", id="64-bit"),
        pytest.param(
            "88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "2269552ab0f85ca6", id="128-bit"
        ),
    ],
)
def test_rc2_matches_rfc2268_vectors(key: str, plaintext: str, ciphertext: str) -> None:
    """One CBC block with a zero IV is the raw RC2 decryption of RFC 2268's section 5 vectors."""
    got = rc2_cbc_decrypt(bytes.fromhex(key), iv=bytes(8), data=bytes.fromhex(ciphertext))
    assert got.hex() == plaintext


def _name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])


@pytest.mark.parametrize(
    ("name", "want"),
    [
        pytest.param(_name((NameOID.ORGANIZATION_NAME, "Acme Co")), "O=Acme Co", id="o"),
        pytest.param(
            _name(
                (NameOID.COMMON_NAME, "foo"),
                (NameOID.EMAIL_ADDRESS, "a@b.c"),
                (NameOID.COUNTRY_NAME, "US"),
                (NameOID.ORGANIZATION_NAME, "Acme"),
            ),
            "CN=foo,O=Acme,C=US,1.2.840.113549.1.9.1=#0c056140622e63",
            id="go-field-order-extras-last",
        ),
        pytest.param(
            _name((NameOID.ORGANIZATION_NAME, "a"), (NameOID.ORGANIZATION_NAME, "b")),
            "O=a+O=b",
            id="multi-valued",
        ),
        pytest.param(_name((NameOID.COMMON_NAME, " x,y#")), "CN=\\ x\\,y#", id="escaping"),
        pytest.param(x509.Name([]), "", id="empty"),
    ],
)
def test_truststore_alias_is_go_name_string(name: x509.Name, want: str) -> None:
    assert go_name_string(name) == want
