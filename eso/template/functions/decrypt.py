"""ESO's ``rsaDecrypt`` (``decrypt.go``): RSA-OAEP decryption with a PEM private key.

``{{ .key | rsaDecrypt "RSA-OAEP" "SHA256" (.data | b64dec) }}``. The hash names OAEP's
digest and MGF1 alike (Go uses one hash for both); unknown names fall back to SHA-256 as in
ESO, and the ``None`` scheme returns the input untouched. The key may be PKCS#1, PKCS#8 or
SEC 1 (only RSA decrypts). Messages are ESO's; a failed decryption says nothing about why.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import _gopem
from ._gostr import go_bytes, go_string
from ._keys import X509Error, parse_eso_key
from .registry import FuncError, FuncMap

__all__ = [
    "ERR_DECODE_PEM",
    "ERR_PARSE_PK",
    "ERR_PARSE_RSA_PK",
    "ERR_RSA_DECRYPT",
    "register",
    "rsa_decrypt",
]

ERR_PARSE_PK = "could not parse private key"
ERR_RSA_DECRYPT = "error decrypting data with RSA"
ERR_SCHEME_NOT_SUPPORTED = "decryption scheme {} is not supported"
ERR_PARSE_RSA_PK = "could not parse RSA private key"
ERR_DECODE_PEM = "failed to decode PEM block"


def _hash(name: str) -> hashes.HashAlgorithm:
    if name == "SHA1":
        return hashes.SHA1()
    if name == "SHA512":
        return hashes.SHA512()
    return hashes.SHA256()


def _rsa_key(private_key: str) -> rsa.RSAPrivateKey:
    block, _ = _gopem.decode(go_bytes(private_key))
    if block is None:
        raise FuncError(ERR_DECODE_PEM)
    try:
        key = parse_eso_key(block.data)
    except X509Error as e:
        raise FuncError(f"{ERR_PARSE_PK}: {e}") from e
    if not isinstance(key, rsa.RSAPrivateKey):
        raise FuncError(ERR_PARSE_RSA_PK)
    return key


def rsa_decrypt(scheme: str, hash_name: str, data: str, private_key: str) -> str:
    """``rsaDecrypt``: ``data`` (raw ciphertext bytes as a Go string) decrypted with the key."""
    if scheme == "None":
        return data
    if scheme != "RSA-OAEP":
        raise FuncError(ERR_SCHEME_NOT_SUPPORTED.format(scheme))
    key = _rsa_key(private_key)
    algorithm = _hash(hash_name)
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm), algorithm=algorithm, label=None)
    try:
        return go_string(key.decrypt(go_bytes(data), oaep))
    except ValueError as e:
        raise FuncError(f"{ERR_RSA_DECRYPT}: crypto/rsa: decryption error") from e


def register(funcs: FuncMap) -> None:
    funcs.register(
        "rsaDecrypt", "string", "string", "string", "string", result="string", returns_error=True
    )(rsa_decrypt)
