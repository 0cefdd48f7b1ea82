"""PKCS#12 files read and written like ``go-pkcs12`` v0.7 (ESO links it): structure, errors.

``decode_chain`` is ``pkcs12.DecodeChain``: at most two SafeContents, the first certificate
bag is the leaf and later ones are CA certificates in file order, exactly one key. OpenSSL's
loader would pick the leaf by key id and may reorder CA certificates, which changes what
``pkcs12cert`` prints, hence this reader. ``encode`` and ``encode_truststore`` are
``pkcs12.Modern.Encode`` / ``EncodeTrustStore``; ``rand`` is injectable so a test can replay
ESO's own fixed-randomness vectors byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from . import _der
from ._goname import go_name_string
from ._keys import GoKey, X509Error, marshal_pkcs8, parse_certificate, parse_pkcs8
from ._pkcs12pbe import (
    ERR_INCORRECT_PASSWORD,
    OID_SHA256,
    Pkcs12Error,
    bmp_password,
    compute_mac,
    decrypt,
    encrypt_pbes2,
)

__all__ = ["Chain", "Pkcs12Error", "decode_chain", "encode", "encode_truststore"]

Rand = Callable[[int], bytes]

_TRUNCATED = "asn1: syntax error: sequence truncated"  # encoding/asn1, fields missing
_OID_DATA = "1.2.840.113549.1.7.1"
_OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
_OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_OID_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_OID_X509_CERT = "1.2.840.113549.1.9.22.1"
_OID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
_OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_OID_JAVA_TRUST_STORE = "2.16.840.1.113894.746875.1.1"
_OID_ANY_EKU = "2.5.29.37.0"
_ITERATIONS = 2048
_SALT_LEN = 16


@dataclass(slots=True)
class Chain:
    """What ``DecodeChain`` returns: the key, the first certificate and the others in order."""

    key: GoKey | None = None
    cert: x509.Certificate | None = None
    ca_certs: list[x509.Certificate] = field(default_factory=list)


def _verify_mac(mac_data: _der.Tlv, *, message: bytes, password: bytes) -> None:
    fields = mac_data.children()
    digest_info, salt = fields[0].children(), fields[1].expect(_der.OCTET_STRING).content
    rounds = _der.decode_int(fields[2]) if len(fields) > 2 else 1
    expected = compute_mac(
        digest_info[0], message=message, salt=salt, rounds=rounds, password=password
    )
    if not hmac.compare_digest(expected, digest_info[1].expect(_der.OCTET_STRING).content):
        raise Pkcs12Error(ERR_INCORRECT_PASSWORD)


def _check_mac(pfx: list[_der.Tlv], *, message: bytes, password: bytes) -> bytes:
    """Verify the MAC; returns the password that worked (Go retries ``""`` as no bytes)."""
    if len(pfx) < 3:
        if password != b"\x00\x00":
            raise Pkcs12Error("pkcs12: no MAC in data")
        return password
    try:
        _verify_mac(pfx[2], message=message, password=password)
    except Pkcs12Error as e:
        if str(e) != ERR_INCORRECT_PASSWORD or password != b"\x00\x00":
            raise
        _verify_mac(pfx[2], message=message, password=b"")
        return b""
    return password


def _content(info: _der.Tlv) -> tuple[str, _der.Tlv]:
    oid, explicit = info.expect(_der.SEQUENCE).children()
    return _der.decode_oid(oid), _der.read_one(explicit.expect(0xA0).content)


def _safe_contents(info: _der.Tlv, *, password: bytes) -> bytes:
    kind, content = _content(info)
    if kind == _OID_DATA:
        return content.expect(_der.OCTET_STRING).content
    if kind != _OID_ENCRYPTED_DATA:
        raise Pkcs12Error(
            "pkcs12: only data and encryptedData content types are supported in authenticated safe"
        )
    version, encrypted = content.expect(_der.SEQUENCE).children()
    if _der.decode_int(version) != 0:
        raise Pkcs12Error("pkcs12: only version 0 of EncryptedData is supported")
    parts = encrypted.children()
    data = parts[2].expect(0x80).content if len(parts) > 2 else b""
    return decrypt(parts[1], data=data, password=password)


def _bags(data: bytes, *, password: str) -> tuple[list[_der.Tlv], bytes]:
    """``getSafeContents(data, password, 1, 2)``: every safe bag, and the working password."""
    encoded = bmp_password(password)
    try:
        pfx = _der.read_one(data).expect(_der.SEQUENCE).children()
    except _der.DerError as e:
        raise Pkcs12Error(f"pkcs12: error reading P12 data: {e}") from e
    if _der.decode_int(pfx[0]) != 3:
        raise Pkcs12Error("pkcs12: can only decode v3 PFX PDU's")
    kind, auth_safe = _content(pfx[1])
    if kind != _OID_DATA:
        raise Pkcs12Error("pkcs12: only password-protected PFX is implemented")
    encoded = _check_mac(pfx, message=auth_safe.content, password=encoded)
    infos = _der.read_one(auth_safe.content).children()
    if not 1 <= len(infos) <= 2:
        raise Pkcs12Error(
            "pkcs12: expected between 1 and 2 items in the authenticated safe, "
            f"but this file has {len(infos)}"
        )
    bags: list[_der.Tlv] = []
    for info in infos:
        bags += _der.read_one(_safe_contents(info, password=encoded)).children()
    return bags, encoded


def _bag_cert(value: bytes) -> x509.Certificate:
    oid, explicit = _der.read_one(value).children()
    if _der.decode_oid(oid) != _OID_X509_CERT:
        raise Pkcs12Error("pkcs12: only X509 certificates are supported in cert bags")
    der = _der.read_one(explicit.content).expect(_der.OCTET_STRING).content
    if len(_der.read_all(der)) != 1:
        raise Pkcs12Error("pkcs12: expected exactly one certificate in the certBag")
    return parse_certificate(der)


def _shrouded_key(value: bytes, *, password: bytes) -> GoKey:
    algorithm, data = _der.read_one(value).children()
    try:
        plain = decrypt(algorithm, data=data.expect(_der.OCTET_STRING).content, password=password)
    except Pkcs12Error as e:
        raise Pkcs12Error(f"pkcs12: error decrypting PKCS#8 shrouded key bag: {e}") from e
    try:
        return parse_pkcs8(plain)
    except X509Error as e:
        raise Pkcs12Error(f"pkcs12: error parsing PKCS#8 private key: {e}") from e


def _add_bag(chain: Chain, *, bag: _der.Tlv, password: bytes) -> None:
    parts = bag.expect(_der.SEQUENCE).children()
    kind, value = _der.decode_oid(parts[0]), parts[1].expect(0xA0).content
    if kind == _OID_CERT_BAG:
        cert = _bag_cert(value)
        if chain.cert is None:
            chain.cert = cert
        else:
            chain.ca_certs.append(cert)
    elif kind in (_OID_KEY_BAG, _OID_SHROUDED_KEY_BAG):
        if chain.key is not None:
            raise Pkcs12Error("pkcs12: expected exactly one key bag")
        key_der = _der.read_one(value).raw
        chain.key = (
            parse_pkcs8(key_der)
            if kind == _OID_KEY_BAG
            else _shrouded_key(key_der, password=password)
        )


def decode_chain(data: bytes, *, password: str) -> Chain:
    """``pkcs12.DecodeChain``; raises ``Pkcs12Error`` or ``X509Error`` (x509 parse errors)."""
    try:
        bags, encoded = _bags(data, password=password)
        chain = Chain()
        for bag in bags:
            _add_bag(chain, bag=bag, password=encoded)
    except IndexError as e:  # a required field missing at the end of a SEQUENCE
        raise Pkcs12Error(f"pkcs12: error reading P12 data: {_TRUNCATED}") from e
    except (_der.DerError, ValueError) as e:
        if isinstance(e, Pkcs12Error | X509Error):
            raise
        raise Pkcs12Error(f"pkcs12: error reading P12 data: {e}") from e
    if chain.cert is None:
        raise Pkcs12Error("pkcs12: certificate missing")
    if chain.key is None:
        raise Pkcs12Error("pkcs12: private key missing")
    return chain


def _attribute(oid: str, value: bytes) -> bytes:
    return _der.seq(_der.encode_oid(oid), _der.set_of(value))


def _cert_bag(cert: x509.Certificate, *, attributes: list[bytes]) -> bytes:
    der = cert.public_bytes(Encoding.DER)
    inner = _der.seq(_der.encode_oid(_OID_X509_CERT), _der.context(0, _der.octets(der)))
    return _der.seq(
        _der.encode_oid(_OID_CERT_BAG), _der.context(0, inner), _der.set_of(*attributes)
    )


def _data_info(data: bytes) -> bytes:
    return _der.seq(_der.encode_oid(_OID_DATA), _der.context(0, _der.octets(data)))


def _encrypted_info(bags: list[bytes], *, password: bytes, rand: Rand) -> bytes:
    salt = rand(_SALT_LEN)
    algorithm, encrypted = encrypt_pbes2(
        _der.seq(*bags), password=password, salt=salt, iv=rand(16), rounds=_ITERATIONS
    )
    content = _der.seq(
        _der.encode_oid(_OID_DATA), algorithm, _der.context(0, encrypted, constructed=False)
    )
    encrypted_data = _der.seq(_der.encode_int(0), content)
    return _der.seq(_der.encode_oid(_OID_ENCRYPTED_DATA), _der.context(0, encrypted_data))


def _pfx(safes: list[bytes], *, password: bytes, rand: Rand) -> bytes:
    auth_safe = _der.seq(*safes)
    salt = rand(_SALT_LEN)
    algorithm = _der.seq(_der.encode_oid(OID_SHA256))
    digest = compute_mac(
        _der.read_one(algorithm),
        message=auth_safe,
        salt=salt,
        rounds=_ITERATIONS,
        password=password,
    )
    mac_data = _der.seq(
        _der.seq(algorithm, _der.octets(digest)), _der.octets(salt), _der.encode_int(_ITERATIONS)
    )
    return _der.seq(_der.encode_int(3), _data_info(auth_safe), mac_data)


def _shrouded_key_bag(key: GoKey, *, password: bytes, local_key_id: bytes, rand: Rand) -> bytes:
    salt = rand(_SALT_LEN)
    algorithm, encrypted = encrypt_pbes2(
        marshal_pkcs8(key), password=password, salt=salt, iv=rand(16), rounds=_ITERATIONS
    )
    info = _der.seq(algorithm, _der.octets(encrypted))
    return _der.seq(
        _der.encode_oid(_OID_SHROUDED_KEY_BAG), _der.context(0, info), _der.set_of(local_key_id)
    )


def encode(
    key: GoKey,
    *,
    cert: x509.Certificate,
    ca_certs: list[x509.Certificate],
    password: str,
    rand: Rand = os.urandom,
) -> bytes:
    """``pkcs12.Modern.Encode``: encrypted certificates, then the shrouded key, then the MAC."""
    encoded = bmp_password(password)
    fingerprint = hashlib.sha1(cert.public_bytes(Encoding.DER), usedforsecurity=False).digest()
    local_key_id = _attribute(_OID_LOCAL_KEY_ID, _der.octets(fingerprint))
    cert_bags = [_cert_bag(cert, attributes=[local_key_id])]
    cert_bags += [_cert_bag(ca, attributes=[]) for ca in ca_certs]
    key_bag = _shrouded_key_bag(key, password=encoded, local_key_id=local_key_id, rand=rand)
    safes = [_encrypted_info(cert_bags, password=encoded, rand=rand), _data_info(_der.seq(key_bag))]
    return _pfx(safes, password=encoded, rand=rand)


def _friendly_name(name: str) -> bytes:
    return _attribute(_OID_FRIENDLY_NAME, _der.tlv(_der.BMP_STRING, bmp_password(name)[:-2]))


def encode_truststore(
    certs: list[x509.Certificate], *, password: str, rand: Rand = os.urandom
) -> bytes:
    """``pkcs12.Modern.EncodeTrustStore``: trusted-for-any-purpose certificates named by Subject."""
    encoded = bmp_password(password)
    trusted = _attribute(_OID_JAVA_TRUST_STORE, _der.encode_oid(_OID_ANY_EKU))
    names = [_friendly_name(go_name_string(c.subject)) for c in certs]
    bags = [_cert_bag(c, attributes=[trusted, n]) for c, n in zip(certs, names, strict=True)]
    safe = _encrypted_info(bags, password=encoded, rand=rand)
    return _pfx([safe], password=encoded, rand=rand)
