"""PKCS#12 password-based encryption and MACs, as ``go-pkcs12`` v0.7 implements them.

Reading: PBES2 (PBKDF2 with HMAC-SHA-1/256/512, AES-128/192/256-CBC), the legacy PKCS#12
PBEs (SHA-1 with 3DES, 128-bit or 40-bit RC2) and MACs with the PKCS#12 KDF over SHA-1,
SHA-256 or SHA-512 or PBMAC1. Writing: what ``pkcs12.Modern`` (= ``Modern2023``) writes,
PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC, 2048 iterations, 16-byte salts. Passwords
arrive as go-pkcs12 holds them: UCS-2 with a zero terminator; PBES2 and PBMAC1 use UTF-8.
Error texts are go-pkcs12's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from . import _der
from ._rc2 import rc2_cbc_decrypt

Decryptor = Callable[[bytes], bytes]

__all__ = [
    "ERR_DECRYPTION",
    "ERR_INCORRECT_PASSWORD",
    "OID_PBES2",
    "OID_SHA256",
    "Pkcs12Error",
    "bmp_password",
    "compute_mac",
    "decrypt",
    "encrypt_pbes2",
]

OID_PBES2 = "1.2.840.113549.1.5.13"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
_OID_PBKDF2 = "1.2.840.113549.1.5.12"
_OID_PBMAC1 = "1.2.840.113549.1.5.14"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"
_OID_HMAC_SHA256 = "1.2.840.113549.2.9"
_AES_KEY_SIZES = {
    "2.16.840.1.101.3.4.1.2": 16,
    "2.16.840.1.101.3.4.1.22": 24,
    _OID_AES256_CBC: 32,
}
_HMAC_PRFS = {
    "1.2.840.113549.2.7": hashes.SHA1(),
    _OID_HMAC_SHA256: hashes.SHA256(),
    "1.2.840.113549.2.11": hashes.SHA512(),
}
# OID -> (key size, is RC2); PKCS#12 v1.0 PBEs, all SHA-1 based with 8-byte blocks and IVs.
_LEGACY_PBES = {
    "1.2.840.113549.1.12.1.3": (24, False),
    "1.2.840.113549.1.12.1.5": (16, True),
    "1.2.840.113549.1.12.1.6": (5, True),
}
# MAC digest OID -> hashlib name, digest size u and block size v of the PKCS#12 KDF.
_MAC_DIGESTS = {
    "1.3.14.3.2.26": ("sha1", 20, 64),
    OID_SHA256: ("sha256", 32, 64),
    "2.16.840.1.101.3.4.2.3": ("sha512", 64, 128),
}

ERR_DECRYPTION = "pkcs12: decryption error, incorrect padding"
ERR_INCORRECT_PASSWORD = "pkcs12: decryption password incorrect"


class Pkcs12Error(ValueError):
    """A PKCS#12 file go-pkcs12 would refuse; the message is go-pkcs12's."""


def bmp_password(password: str) -> bytes:
    """``bmpStringZeroTerminated``: UCS-2 big-endian plus two zero bytes."""
    if any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in password):
        raise Pkcs12Error("pkcs12: string contains characters that cannot be encoded in UCS-2")
    return password.encode("utf-16-be") + b"\x00\x00"


def _utf8_password(bmp: bytes) -> bytes:
    if len(bmp) % 2:
        raise Pkcs12Error("pkcs12: odd-length BMP string")
    if bmp.endswith(b"\x00\x00"):
        bmp = bmp[:-2]
    return bmp.decode("utf-16-be", "surrogatepass").encode("utf-8", "surrogatepass")


def _repeat(pattern: bytes, v: int) -> bytes:
    if not pattern:
        return b""
    size = v * ((len(pattern) + v - 1) // v)
    return (pattern * (size // len(pattern) + 1))[:size]


def _kdf(
    digest: str,
    u: int,
    v: int,
    *,
    salt: bytes,
    password: bytes,
    rounds: int,
    purpose: int,
    size: int,
) -> bytes:
    """RFC 7292 appendix B.2 (purpose 1: key, 2: IV, 3: MAC key)."""
    d = bytes([purpose]) * v
    i = bytearray(_repeat(salt, v) + _repeat(password, v))
    out = b""
    while len(out) < size:
        a = hashlib.new(digest, d + bytes(i)).digest()
        for _ in range(1, rounds):
            a = hashlib.new(digest, a).digest()
        out += a
        if len(out) < size:
            b = int.from_bytes((a * (v // len(a) + 1))[:v], "big") + 1
            for j in range(0, len(i), v):
                block = (int.from_bytes(i[j : j + v], "big") + b) % (1 << (8 * v))
                i[j : j + v] = block.to_bytes(v, "big")
    return out[:size]


def _pbkdf2(params: _der.Tlv, *, password: bytes, key_size: int | None) -> bytes:
    fields = params.expect(_der.SEQUENCE).children()
    salt = fields[0]
    if salt.tag != _der.OCTET_STRING:
        raise Pkcs12Error("pkcs12: only octet string salts are supported for pbes2/pbkdf2")
    rounds = _der.decode_int(fields[1])
    rest = fields[2:]
    if rest and rest[0].tag == _der.INTEGER:
        key_size = key_size or _der.decode_int(rest[0])
        rest = rest[1:]
    prf = _der.decode_oid(rest[0].children()[0]) if rest else "1.2.840.113549.2.7"
    if prf not in _HMAC_PRFS:
        raise Pkcs12Error(f"pkcs12: pbes2 prf {prf} is not supported")
    if not key_size:
        raise Pkcs12Error(
            "pkcs12: PBMAC1 requires explicit KeyLength parameter in PBKDF2 parameters"
        )
    kdf = PBKDF2HMAC(_HMAC_PRFS[prf], key_size, salt.content, rounds)
    return kdf.derive(password)


def _cbc(cipher: Cipher[modes.CBC]) -> Decryptor:
    def run(data: bytes) -> bytes:
        decryptor = cipher.decryptor()
        return decryptor.update(data) + decryptor.finalize()

    return run


def _pbes2_decryptor(params: bytes, *, password: bytes) -> tuple[Decryptor, int]:
    kdf, scheme = _der.read_one(params).expect(_der.SEQUENCE).children()
    kdf_oid, kdf_params = kdf.children()
    if _der.decode_oid(kdf_oid) != _OID_PBKDF2:
        oid = _der.decode_oid(kdf_oid)
        raise Pkcs12Error(f"pkcs12: pbes2 kdf algorithm {oid} is not supported")
    scheme_oid, iv = scheme.children()
    key_size = _AES_KEY_SIZES.get(_der.decode_oid(scheme_oid))
    if key_size is None:
        oid = _der.decode_oid(scheme_oid)
        raise Pkcs12Error(f"pkcs12: pbes2 algorithm {oid} is not supported")
    key = _pbkdf2(kdf_params, password=_utf8_password(password), key_size=key_size)
    return _cbc(Cipher(algorithms.AES(key), modes.CBC(iv.content))), 16


def _legacy_decryptor(oid: str, *, params: bytes, password: bytes) -> tuple[Decryptor, int]:
    key_size, is_rc2 = _LEGACY_PBES[oid]
    salt_tlv, rounds_tlv = _der.read_one(params).expect(_der.SEQUENCE).children()
    salt, rounds = salt_tlv.expect(_der.OCTET_STRING).content, _der.decode_int(rounds_tlv)
    key = _kdf(
        "sha1", 20, 64, salt=salt, password=password, rounds=rounds, purpose=1, size=key_size
    )
    iv = _kdf("sha1", 20, 64, salt=salt, password=password, rounds=rounds, purpose=2, size=8)
    if is_rc2:
        return (lambda data: rc2_cbc_decrypt(key, iv=iv, data=data)), 8
    return _cbc(Cipher(TripleDES(key), modes.CBC(iv))), 8


def _decryptor(algorithm: _der.Tlv, *, password: bytes) -> tuple[Decryptor, int]:
    parts = algorithm.expect(_der.SEQUENCE).children()
    oid = _der.decode_oid(parts[0])
    params = parts[1].raw if len(parts) > 1 else b""
    if oid == OID_PBES2:
        return _pbes2_decryptor(params, password=password)
    if oid in _LEGACY_PBES:
        return _legacy_decryptor(oid, params=params, password=password)
    raise Pkcs12Error(f"pkcs12: pbe algorithm {oid} is not supported")


def decrypt(algorithm: _der.Tlv, *, data: bytes, password: bytes) -> bytes:
    """``pbDecrypt``: decrypt and check the PKCS#7 padding."""
    run, block = _decryptor(algorithm, password=password)
    if not data:
        raise Pkcs12Error("pkcs12: empty encrypted data")
    if len(data) % block:
        raise Pkcs12Error("pkcs12: input is not a multiple of the block size")
    plain = run(data)
    pad = plain[-1]
    if pad == 0 or pad > block or plain[-pad:] != bytes([pad]) * pad:
        raise Pkcs12Error(ERR_DECRYPTION)
    return plain[:-pad]


def encrypt_pbes2(
    data: bytes, *, password: bytes, salt: bytes, iv: bytes, rounds: int
) -> tuple[bytes, bytes]:
    """Modern2023's PBES2: (AlgorithmIdentifier DER, ciphertext) for ``data``."""
    prf = _der.seq(_der.encode_oid(_OID_HMAC_SHA256))
    kdf_params = _der.seq(_der.octets(salt), _der.encode_int(rounds), prf)
    kdf = _der.seq(_der.encode_oid(_OID_PBKDF2), kdf_params)
    scheme = _der.seq(_der.encode_oid(_OID_AES256_CBC), _der.octets(iv))
    algorithm = _der.seq(_der.encode_oid(OID_PBES2), _der.seq(kdf, scheme))
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(_utf8_password(password))
    pad = 16 - len(data) % 16
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return algorithm, encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()


def _pbmac1(algorithm: _der.Tlv, *, message: bytes, password: bytes) -> bytes:
    kdf, mac_alg = algorithm.children()[1].children()
    if _der.decode_oid(kdf.children()[0]) != _OID_PBKDF2:
        raise Pkcs12Error("pkcs12: PBMAC1 KDF algorithm is not supported")
    mac_oid = _der.decode_oid(mac_alg.children()[0])
    if mac_oid not in _HMAC_PRFS:
        raise Pkcs12Error(f"pkcs12: PBMAC1 MAC algorithm {mac_oid} is not supported")
    key = _pbkdf2(kdf.children()[1], password=_utf8_password(password), key_size=None)
    return hmac.new(key, message, _HMAC_PRFS[mac_oid].name.replace("-", "")).digest()


def compute_mac(
    algorithm: _der.Tlv, *, message: bytes, salt: bytes, rounds: int, password: bytes
) -> bytes:
    """``doMac``: HMAC over ``message`` keyed from the password as the MAC data says."""
    oid = _der.decode_oid(algorithm.children()[0])
    if oid == _OID_PBMAC1:
        return _pbmac1(algorithm, message=message, password=password)
    if oid not in _MAC_DIGESTS:
        raise Pkcs12Error(f"pkcs12: MAC digest algorithm not supported: {oid}")
    digest, u, v = _MAC_DIGESTS[oid]
    key = _kdf(digest, u, v, salt=salt, password=password, rounds=rounds, purpose=3, size=u)
    return hmac.new(key, message, digest).digest()
