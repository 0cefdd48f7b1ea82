"""Sprig's certificate functions: ``genCA``, ``genSelfSignedCert``, ``genSignedCert`` (and
``…WithKey``), ``buildCustomCert`` and ``genPrivateKey``.

They return sprig's ``certificate`` struct; templates read ``$ca.Cert`` and ``$ca.Key``.
``GoStruct`` carries it: a ``dict`` of Go field names (the engine resolves ``.Field`` on
dicts) tagged with the Go type name (``sprig.certificate``) so ``%T`` and argument checks can
tell it from a map. Certificates follow Go's ``x509.CreateCertificate`` for sprig's template:
random 128-bit serial, CN-only subject, KeyUsage (critical), ExtKeyUsage server+client auth,
BasicConstraints (critical), a SubjectKeyId for CAs (truncated SHA-256 of the key, Go 1.25+),
an AuthorityKeyId from a signing CA's SubjectKeyId, SANs (critical when the subject is empty).
Keys are RSA-2048 unless given; the PEM of the returned key follows sprig's ``pemBlockForKey``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import _der, _gopem
from ._certchain import subject_key_id
from ._gostr import go_bytes, go_string
from ._keys import X509Error, parse_certificate
from ._sprigkeys import SprigKey, SprigKeyError, parse_private_key_pem, private_key_pem
from .registry import FuncError, FuncMap

__all__ = ["CERTIFICATE_TYPE", "GoStruct", "gen_private_key", "register"]

CERTIFICATE_TYPE = "sprig.certificate"
# Go's asn1 marshals a string as PrintableString when every byte is in this set (no '*').
_PRINTABLE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
_NOT_SIGNER = "x509: certificate private key does not implement crypto.Signer"

# sprig's error texts (crypto.go); {} is a Go error or the offending non-secret argument.
ERR_IP_NOT_STRING = "error parsing ip: {} is not a string"
ERR_PARSE_IP = "error parsing ip: {}"
ERR_DNS_NOT_STRING = "error processing alternate dns name: {} is not a string"
ERR_CREATE_CERT = "error creating certificate: {}"
ERR_DECODE_CERT = "unable to decode certificate"
ERR_DECODE_BASE64 = "unable to decode base64 {}"
ERR_PARSE_CUSTOM_CERT = "error parsing certificate: decodedCert.Bytes: {}"
ERR_PARSE_SIGNER_CERT = "error parsing certificate: decodedSignerCert.Bytes: {}"
PREFIX_WITH_KEY = "parsing private key: "
PREFIX_PARSE_KEY = "error parsing private key: "


class GoStruct(dict[str, Any]):
    """A Go struct value: fields by Go name, ``go_type`` its ``%T`` (``sprig.certificate``)."""

    __slots__ = ("go_type",)
    go_kind = "struct"

    def __init__(self, go_type: str, /, **fields: Any) -> None:
        super().__init__(fields)
        self.go_type = go_type


def _certificate(cert: str, key: str) -> GoStruct:
    return GoStruct(CERTIFICATE_TYPE, Cert=cert, Key=key)


def gen_private_key(kind: str) -> str:
    """``genPrivateKey``: a new key as PEM; unknown types give sprig's message as the value."""
    key: SprigKey
    if kind in ("", "rsa"):
        key = rsa.generate_private_key(65537, 4096)
    elif kind == "dsa":
        key = dsa.generate_private_key(2048)  # OpenSSL picks a 256-bit q: Go's L2048N256
    elif kind == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        return "Unknown type " + kind
    return private_key_pem(key)


def _ips(values: list[Any] | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    out: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for value in values or []:
        if not isinstance(value, str):
            raise FuncError(ERR_IP_NOT_STRING.format(value))
        try:
            ip = ipaddress.ip_address(value) if "%" not in value else None
        except ValueError:
            ip = None
        if ip is None:
            raise FuncError(ERR_PARSE_IP.format(value))
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        out.append(mapped or ip)  # Go writes IPv4 SANs as 4 bytes
    return out


def _dns_names(values: list[Any] | None) -> list[str]:
    for value in values or []:
        if not isinstance(value, str):
            raise FuncError(ERR_DNS_NOT_STRING.format(value))
    return list(values or [])


def _subject(cn: str) -> x509.Name:
    if not cn:
        return x509.Name([])
    # Go's asn1 writes PrintableString when it can; cryptography's public API only writes
    # UTF8String, so the string type is chosen through its (stable) _ASN1Type enum.
    kind = x509.name._ASN1Type.PrintableString if set(cn) <= _PRINTABLE else None
    attr = (
        x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=kind)
        if kind
        else x509.NameAttribute(NameOID.COMMON_NAME, cn)
    )
    return x509.Name([attr])


def _key_id(public: Any) -> bytes:
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    bits = _der.read_one(spki).children()[1].content[1:]
    return hashlib.sha256(bits).digest()[:20]


def _signing_hash(key: SprigKey) -> hashes.HashAlgorithm | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        return hashes.SHA512() if size > 384 else hashes.SHA384() if size > 256 else hashes.SHA256()
    if isinstance(key, rsa.RSAPrivateKey):
        return hashes.SHA256()
    raise FuncError(ERR_CREATE_CERT.format(_NOT_SIGNER))


def _validity(days: int) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return now, now + dt.timedelta(days=days)
    except OverflowError as e:
        raise FuncError(ERR_CREATE_CERT.format("x509: invalid validity period")) from e


def _builder(
    cn: str, *, ips: list[Any] | None, dns: list[Any] | None, days: int, is_ca: bool
) -> tuple[x509.CertificateBuilder, list[x509.GeneralName]]:
    addresses, names = _ips(ips), _dns_names(dns)
    before, after = _validity(days)
    builder = (
        x509.CertificateBuilder()
        .serial_number(secrets.randbelow(1 << 128) or 1)
        .subject_name(_subject(cn))
        .not_valid_before(before)
        .not_valid_after(after)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, is_ca, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(ip) for ip in addresses]
    return builder, sans


@dataclass(frozen=True, slots=True)
class _Signer:
    """A signing CA: its subject, SubjectKeyId (may be empty) and private key."""

    subject: x509.Name
    key_id: bytes
    key: SprigKey


def _sign(
    builder: x509.CertificateBuilder,
    sans: list[x509.GeneralName],
    *,
    subject: x509.Name,
    key: SprigKey,
    signer: _Signer | None,
    is_ca: bool,
) -> GoStruct:
    """``getCertAndKey``: sign ``key``'s certificate with ``signer`` (self-signed if None)."""
    signer_key = signer.key if signer else key
    algorithm = _signing_hash(signer_key)
    if isinstance(key, dsa.DSAPrivateKey):
        raise FuncError(ERR_CREATE_CERT.format("x509: unsupported public key type: *dsa.PublicKey"))
    issuer = signer.subject if signer else subject
    public = key.public_key()
    if is_ca:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(_key_id(public)), critical=False)
    if signer and signer.key_id and issuer != subject:
        aki = x509.AuthorityKeyIdentifier(signer.key_id, None, None)
        builder = builder.add_extension(aki, critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=not subject)
    try:
        cert = builder.issuer_name(issuer).public_key(public).sign(signer_key, algorithm)  # type: ignore[arg-type]
    except (ValueError, TypeError) as e:
        raise FuncError(ERR_CREATE_CERT.format(e)) from e
    der = cert.public_bytes(serialization.Encoding.DER)
    cert_pem = go_string(_gopem.encode(_gopem.Block("CERTIFICATE", der)))
    return _certificate(cert_pem, private_key_pem(key))


def _generate(
    cn: str,
    ips: list[Any] | None,
    dns: list[Any] | None,
    days: int,
    *,
    key: SprigKey,
    signer: _Signer | None = None,
    is_ca: bool = False,
) -> GoStruct:
    builder, sans = _builder(cn, ips=ips, dns=dns, days=days, is_ca=is_ca)
    return _sign(builder, sans, subject=_subject(cn), key=key, signer=signer, is_ca=is_ca)


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def _pem_key(text: str, prefix: str) -> SprigKey:
    try:
        return parse_private_key_pem(text)
    except SprigKeyError as e:
        raise FuncError(f"{prefix}{e}") from e


def gen_ca(cn: str, days: int) -> GoStruct:
    """``genCA``: a self-signed CA with a new RSA-2048 key."""
    return _generate(cn, None, None, days, key=_rsa(), is_ca=True)


def gen_ca_with_key(cn: str, days: int, key_pem: str) -> GoStruct:
    """``genCAWithKey``: a self-signed CA for the given PEM key."""
    return _generate(cn, None, None, days, key=_pem_key(key_pem, PREFIX_WITH_KEY), is_ca=True)


def gen_self_signed_cert(
    cn: str, ips: list[Any] | None, dns: list[Any] | None, days: int
) -> GoStruct:
    """``genSelfSignedCert``: a self-signed leaf with a new RSA-2048 key."""
    return _generate(cn, ips, dns, days, key=_rsa())


def gen_self_signed_cert_with_key(
    cn: str, ips: list[Any] | None, dns: list[Any] | None, days: int, key_pem: str
) -> GoStruct:
    key = _pem_key(key_pem, PREFIX_WITH_KEY)
    return _generate(cn, ips, dns, days, key=key)


def _ca_signer(ca: dict[str, Any]) -> _Signer:
    block, _ = _gopem.decode(go_bytes(str(ca.get("Cert", ""))))
    if block is None:
        raise FuncError(ERR_DECODE_CERT)
    try:
        cert = parse_certificate(block.data)
    except X509Error as e:
        raise FuncError(ERR_PARSE_SIGNER_CERT.format(e)) from e
    key = _pem_key(str(ca.get("Key", "")), PREFIX_PARSE_KEY)
    return _Signer(cert.subject, subject_key_id(cert), key)


def gen_signed_cert(
    cn: str, ips: list[Any] | None, dns: list[Any] | None, days: int, ca: dict[str, Any]
) -> GoStruct:
    """``genSignedCert``: a leaf with a new RSA-2048 key, signed by ``ca`` (a certificate)."""
    key = _rsa()
    return _generate(cn, ips, dns, days, key=key, signer=_ca_signer(ca))


def gen_signed_cert_with_key(
    cn: str,
    ips: list[Any] | None,
    dns: list[Any] | None,
    days: int,
    ca: dict[str, Any],
    key_pem: str,
) -> GoStruct:
    key = _pem_key(key_pem, PREFIX_WITH_KEY)
    return _generate(cn, ips, dns, days, key=key, signer=_ca_signer(ca))


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except ValueError as e:
        raise FuncError(ERR_DECODE_BASE64.format(what)) from e


def build_custom_cert(b64cert: str, b64key: str) -> GoStruct:
    """``buildCustomCert``: a ``certificate`` from base64 PEM, after checking both parse."""
    cert, key = _b64(b64cert, "certificate"), _b64(b64key, "private key")
    block, _ = _gopem.decode(cert)
    if block is None:
        raise FuncError(ERR_DECODE_CERT)
    try:
        parse_certificate(block.data)
    except X509Error as e:
        raise FuncError(ERR_PARSE_CUSTOM_CERT.format(e)) from e
    _pem_key(go_string(key), PREFIX_PARSE_KEY)
    return _certificate(go_string(cert), go_string(key))


def register(funcs: FuncMap) -> None:
    """Register sprig's certificate and key generators with their Go signatures."""
    any_list, cert = "[]interface {}", CERTIFICATE_TYPE
    funcs.register("genPrivateKey", "string", result="string")(gen_private_key)
    add = funcs.register
    add("buildCustomCert", "string", "string", result=cert, returns_error=True)(build_custom_cert)
    add("genCA", "string", "int", result=cert, returns_error=True)(gen_ca)
    add("genCAWithKey", "string", "int", "string", result=cert, returns_error=True)(gen_ca_with_key)
    add("genSelfSignedCert", "string", any_list, any_list, "int", result=cert, returns_error=True)(
        gen_self_signed_cert
    )
    add(
        "genSelfSignedCertWithKey",
        "string",
        any_list,
        any_list,
        "int",
        "string",
        result=cert,
        returns_error=True,
    )(gen_self_signed_cert_with_key)
    add(
        "genSignedCert", "string", any_list, any_list, "int", cert, result=cert, returns_error=True
    )(gen_signed_cert)
    add(
        "genSignedCertWithKey",
        "string",
        any_list,
        any_list,
        "int",
        cert,
        "string",
        result=cert,
        returns_error=True,
    )(gen_signed_cert_with_key)
