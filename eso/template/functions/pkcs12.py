"""ESO's PKCS#12 functions (``pkcs12.go``): read keys and chains out of .pfx, write .pfx from PEM.

Inputs are the raw archive as a Go string (``.secret | b64dec | pkcs12key``); outputs of the
``*ToPkcs12`` family are base64 of a ``pkcs12.Modern`` archive. ``pkcs12cert`` orders the
chain leaf → root when the certificates form one chain, else returns them as stored.
Where ESO dereferences a nil PEM block (no block in the input) Go panics; we raise the
panic's text, which is what a template reports. No message carries the password or key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from . import _gopem
from ._certchain import ChainError, order_chain
from ._gostr import go_bytes, go_string
from ._keys import GoKey, X509Error, marshal_pkcs8, parse_certificate, parse_eso_key
from ._pkcs12codec import Chain, Pkcs12Error, decode_chain, encode, encode_truststore
from .registry import FuncError, FuncMap

__all__ = [
    "ERR_DECODE_CERT_WITH_PASS",
    "ERR_DECODE_PKCS12_WITH_PASS",
    "ERR_NIL_POINTER",
    "register",
]

ERR_DECODE_PKCS12_WITH_PASS = "unable to decode pkcs12 with password: {}"
ERR_DECODE_CERT_WITH_PASS = "unable to decode pkcs12 certificate with password: {}"
ERR_NIL_POINTER = "runtime error: invalid memory address or nil pointer dereference"


def _decode(archive: str, *, password: str, message: str) -> Chain:
    try:
        return decode_chain(go_bytes(archive), password=password)
    except (Pkcs12Error, X509Error) as e:
        raise FuncError(message.format(e)) from e


def _pem(kind: str, der: bytes) -> bytes:
    return _gopem.encode(_gopem.Block(kind, der))


def pkcs12key_pass(password: str, archive: str) -> str:
    """``pkcs12keyPass``: the archive's private key as PKCS#8 ``PRIVATE KEY`` PEM."""
    chain = _decode(archive, password=password, message=ERR_DECODE_PKCS12_WITH_PASS)
    assert chain.key is not None  # decode_chain guarantees it
    return go_string(_pem("PRIVATE KEY", marshal_pkcs8(chain.key)))


def pkcs12key(archive: str) -> str:
    return pkcs12key_pass("", archive)


def pkcs12cert_pass(password: str, archive: str) -> str:
    """``pkcs12certPass``: every certificate as PEM, ordered leaf → root when possible."""
    chain = _decode(archive, password=password, message=ERR_DECODE_CERT_WITH_PASS)
    certs = [c for c in [chain.cert, *chain.ca_certs] if c is not None]
    stored = b"".join(_pem("CERTIFICATE", c.public_bytes(Encoding.DER)) for c in certs)
    try:
        ordered = order_chain(stored)
    except ChainError:
        return go_string(stored)
    return go_string(b"".join(_pem("CERTIFICATE", c.public_bytes(Encoding.DER)) for c in ordered))


def pkcs12cert(archive: str) -> str:
    return pkcs12cert_pass("", archive)


def _first_cert(data: bytes) -> tuple[x509.Certificate, bytes]:
    block, rest = _gopem.decode(data)
    if block is None:
        raise FuncError(ERR_NIL_POINTER)
    try:
        return parse_certificate(block.data), rest
    except X509Error as e:
        raise FuncError(str(e)) from e


def _ca_certs(data: bytes) -> list[x509.Certificate]:
    """ESO's ``parseCaCerts``: every byte must belong to a certificate block (Go panics else)."""
    certs: list[x509.Certificate] = []
    while data:
        cert, data = _first_cert(data)
        certs.append(cert)
    return certs


def _key(text: str) -> GoKey:
    block, _ = _gopem.decode(go_bytes(text))
    if block is None:
        raise FuncError(ERR_NIL_POINTER)
    try:
        return parse_eso_key(block.data)
    except X509Error as e:
        raise FuncError(str(e)) from e


def _archive(
    key: GoKey, *, cert: x509.Certificate, cas: list[x509.Certificate], password: str
) -> str:
    try:
        return base64.b64encode(encode(key, cert=cert, ca_certs=cas, password=password)).decode()
    except Pkcs12Error as e:
        raise FuncError(str(e)) from e


def pem_to_pkcs12_pass(cert: str, key: str, password: str) -> str:
    """``pemToPkcs12Pass``: the first certificate of ``cert`` with ``key``."""
    leaf, _ = _first_cert(go_bytes(cert))
    return _archive(_key(key), cert=leaf, cas=[], password=password)


def pem_to_pkcs12(cert: str, key: str) -> str:
    return pem_to_pkcs12_pass(cert, key, "")


def full_pem_to_pkcs12_pass(cert: str, key: str, password: str) -> str:
    """``fullPemToPkcs12Pass``: the first certificate as leaf, the rest as CA certificates."""
    leaf, rest = _first_cert(go_bytes(cert))
    cas = _ca_certs(rest)
    return _archive(_key(key), cert=leaf, cas=cas, password=password)


def full_pem_to_pkcs12(cert: str, key: str) -> str:
    return full_pem_to_pkcs12_pass(cert, key, "")


def pem_truststore_to_pkcs12_pass(cert: str, password: str) -> str:
    """``pemTruststoreToPKCS12Pass``: a Java trust store holding every certificate of ``cert``."""
    certs = _ca_certs(go_bytes(cert))
    try:
        return base64.b64encode(encode_truststore(certs, password=password)).decode()
    except Pkcs12Error as e:
        raise FuncError(str(e)) from e


def pem_truststore_to_pkcs12(cert: str) -> str:
    return pem_truststore_to_pkcs12_pass(cert, "")


_FUNCS: dict[str, Callable[..., str]] = {
    "pkcs12key": pkcs12key,
    "pkcs12keyPass": pkcs12key_pass,
    "pkcs12cert": pkcs12cert,
    "pkcs12certPass": pkcs12cert_pass,
    "pemToPkcs12": pem_to_pkcs12,
    "pemToPkcs12Pass": pem_to_pkcs12_pass,
    "fullPemToPkcs12": full_pem_to_pkcs12,
    "fullPemToPkcs12Pass": full_pem_to_pkcs12_pass,
    "pemTruststoreToPKCS12": pem_truststore_to_pkcs12,
    "pemTruststoreToPKCS12Pass": pem_truststore_to_pkcs12_pass,
}


def register(funcs: FuncMap) -> None:
    def add(name: str, *params: str) -> None:
        fn = _FUNCS[name]
        funcs.register(name, *params, result="string", returns_error=True)(fn)

    add("pkcs12key", "string")
    add("pkcs12keyPass", "string", "string")
    add("pkcs12cert", "string")
    add("pkcs12certPass", "string", "string")
    add("pemToPkcs12", "string", "string")
    add("pemToPkcs12Pass", "string", "string", "string")
    add("fullPemToPkcs12", "string", "string")
    add("fullPemToPkcs12Pass", "string", "string", "string")
    add("pemTruststoreToPKCS12", "string")
    add("pemTruststoreToPKCS12Pass", "string", "string")
