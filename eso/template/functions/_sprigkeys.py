"""Sprig's private key PEM rules: ``pemBlockForKey`` (writing) and ``parsePrivateKeyPEM`` (reading).

Sprig picks the PEM block by key type, not PKCS#8 throughout: RSA is PKCS#1 ``RSA PRIVATE
KEY``, ECDSA SEC 1 ``EC PRIVATE KEY``, DSA the OpenSSL ``DSA PRIVATE KEY`` sequence and
anything else (Ed25519) PKCS#8 ``PRIVATE KEY``. Reading goes by the block type the same way.
OpenSSL's "traditional" formats are exactly these structures, so ``cryptography`` writes them.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519

from . import _der, _gopem
from ._gostr import go_bytes, go_string
from ._keys import X509Error, parse_pkcs1, parse_pkcs8, parse_sec1

__all__ = ["SprigKey", "SprigKeyError", "parse_private_key_pem", "private_key_pem"]

SprigKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | x25519.X25519PrivateKey
    | dsa.DSAPrivateKey
)


class SprigKeyError(ValueError):
    """``parsePrivateKeyPEM`` failed; the message is sprig's."""


def private_key_pem(key: SprigKey) -> str:
    """``pem.EncodeToMemory(pemBlockForKey(key))``."""
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
        kind = {rsa.RSAPrivateKey: "RSA", ec.EllipticCurvePrivateKey: "EC"}
        name = next((v for k, v in kind.items() if isinstance(key, k)), "DSA")
        label = f"{name} PRIVATE KEY"
    else:
        fmt, label = serialization.PrivateFormat.PKCS8, "PRIVATE KEY"
    der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
    return go_string(_gopem.encode(_gopem.Block(label, der)))


def _dsa(der: bytes) -> dsa.DSAPrivateKey:
    # Go's asn1.Unmarshal into {Version; P, Q, G, Y, X *big.Int} (trailing data ignored).
    first = _der.read_all(der)[0]
    values = [_der.decode_int(item) for item in first.children()[:6]]
    if len(values) != 6:
        raise _der.DerError("asn1: structure error: too few fields")
    _, p, q, g, y, x = values
    public = dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g))
    return dsa.DSAPrivateNumbers(x, public).private_key()


def _parse_typed(kind: str, der: bytes) -> SprigKey:
    if kind == "RSA":
        try:
            return parse_pkcs1(der)
        except X509Error as e:
            raise SprigKeyError(f"parsing RSA private key from PEM: {e}") from e
    if kind == "EC":
        try:
            return parse_sec1(der)
        except X509Error as e:
            raise SprigKeyError(f"parsing EC private key from PEM: {e}") from e
    try:
        return _dsa(der)
    except (ValueError, IndexError) as e:
        raise SprigKeyError("parsing DSA private key from PEM: asn1: structure error") from e


def parse_private_key_pem(text: str) -> SprigKey:
    """``parsePrivateKeyPEM``: the first PEM block, parsed as its type says."""
    block, _ = _gopem.decode(go_bytes(text))
    if block is None:
        raise SprigKeyError("no PEM data in input")
    if block.type == "PRIVATE KEY":
        try:
            return parse_pkcs8(block.data)
        except X509Error as e:
            raise SprigKeyError(f"decoding PEM as PKCS#8: {e}") from e
    if not block.type.endswith(" PRIVATE KEY"):
        raise SprigKeyError(f"no private key data in PEM block of type {block.type}")
    kind = block.type[: -len(" PRIVATE KEY")]
    if kind not in ("RSA", "EC", "DSA"):
        raise SprigKeyError(f"invalid private key type {block.type}")
    return _parse_typed(kind, block.data)
