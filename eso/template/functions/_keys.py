"""Private keys and certificates with Go's ``crypto/x509`` rules on top of ``cryptography``.

OpenSSL parses more than Go does (DSA or Ed448 in PKCS#8, any ``DER`` key format in any PEM
block), and ESO's results depend on Go's narrower choices: ``parse_eso_key`` is ESO's
``parsePrivateKey`` (PKCS#1, then PKCS#8, then SEC 1), ``parse_pkcs8`` Go's
``ParsePKCS8PrivateKey`` and ``marshal_pkcs8`` its ``MarshalPKCS8PrivateKey``. The DER that
OpenSSL writes for these key types is the DER Go writes, so serialisation is delegated.
Error texts are Go's and never contain key bytes.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from . import _der

__all__ = [
    "GoKey",
    "X509Error",
    "marshal_pkcs8",
    "parse_certificate",
    "parse_eso_key",
    "parse_pkcs1",
    "parse_pkcs8",
    "parse_sec1",
]

GoKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | x25519.X25519PrivateKey
)
"""The private key types Go's x509 parses and marshals (RSA, ECDSA, Ed25519, X25519)."""

_GO_CURVES = (ec.SECP224R1, ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
_ERR_PARSE_PRIV = "unable to parse private key type"


class X509Error(ValueError):
    """A key or certificate Go would not parse; the message is Go's, without key bytes."""


def _shape(der: bytes) -> str:
    """Which structure ``der`` is: ``pkcs1``, ``pkcs8``, ``sec1`` or ``other``."""
    try:
        items = _der.read_one(der).expect(_der.SEQUENCE).children()
    except _der.DerError:
        return "other"
    if len(items) < 2 or items[0].tag != _der.INTEGER:
        return "other"
    second = items[1].tag
    if second == _der.SEQUENCE:
        return "pkcs8"
    if second == _der.OCTET_STRING:
        return "sec1"
    if second == _der.INTEGER and len(items) >= 9:
        return "pkcs1"
    return "other"


def _load(der: bytes) -> PrivateKeyTypes:
    try:
        return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as e:
        raise X509Error("x509: failed to parse private key") from e


def _go_supported(key: PrivateKeyTypes) -> GoKey:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, _GO_CURVES):
            raise X509Error("x509: unsupported elliptic curve")
        return key
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey):
        return key
    raise X509Error("x509: PKCS#8 wrapping contained private key with unknown algorithm")


def parse_pkcs1(der: bytes) -> rsa.RSAPrivateKey:
    """Go's ``ParsePKCS1PrivateKey``."""
    if _shape(der) != "pkcs1":
        raise X509Error("x509: failed to parse private key (use ParsePKCS8PrivateKey instead)")
    key = _load(der)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise X509Error("x509: failed to parse private key")
    return key


def parse_pkcs8(der: bytes) -> GoKey:
    """Go's ``ParsePKCS8PrivateKey``."""
    if _shape(der) != "pkcs8":
        raise X509Error("x509: failed to parse private key (use ParsePKCS1PrivateKey instead)")
    return _go_supported(_load(der))


def parse_sec1(der: bytes) -> ec.EllipticCurvePrivateKey:
    """Go's ``ParseECPrivateKey``."""
    if _shape(der) != "sec1":
        raise X509Error("x509: failed to parse EC private key")
    key = _go_supported(_load(der))
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise X509Error("x509: failed to parse EC private key")
    return key


def parse_eso_key(der: bytes) -> GoKey:
    """ESO's ``parsePrivateKey``: PKCS#1, PKCS#8 or SEC 1, whatever the PEM type said."""
    for parse in (parse_pkcs1, parse_pkcs8, parse_sec1):
        try:
            return parse(der)
        except X509Error:
            continue
    raise X509Error(_ERR_PARSE_PRIV)


def marshal_pkcs8(key: GoKey) -> bytes:
    """Go's ``MarshalPKCS8PrivateKey`` (OpenSSL writes the same DER for these types)."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def parse_certificate(der: bytes) -> x509.Certificate:
    """Go's ``x509.ParseCertificate``: exactly one DER certificate.

    Go's first checks have their own messages: the outer SEQUENCE, then the tbsCertificate
    SEQUENCE inside it (a private key given as a certificate fails there), and after a
    successful parse, bytes left over. Deeper failures are "x509: malformed certificate"
    here; Go names the field ("x509: malformed validity")."""
    try:
        outer, end = _der.read_first(der)
    except _der.DerError:
        raise X509Error("x509: malformed certificate") from None
    if outer.tag != _der.SEQUENCE:
        raise X509Error("x509: malformed certificate")
    try:
        tbs_tag = _der.read_first(outer.content)[0].tag
    except _der.DerError:
        tbs_tag = None
    if tbs_tag != _der.SEQUENCE:
        raise X509Error("x509: malformed tbs certificate")
    try:
        cert = x509.load_der_x509_certificate(outer.raw)
    except ValueError as e:
        raise X509Error("x509: malformed certificate") from e
    if end != len(der):
        raise X509Error("x509: trailing data")
    return cert
