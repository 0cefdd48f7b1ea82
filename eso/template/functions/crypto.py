"""Sprig's crypto functions as ESO vendors them (``sprig/crypto.go``), and their registration.

Password hashing (``bcrypt``, ``htpasswd``), the deterministic master-password algorithm
(``derivePassword``), sprig's AES-CBC helpers and randomness (``randBytes``, ``uuidv4``)
live here; key and certificate generation lives in ``certgen``, which ``register`` pulls in
so this one call registers every sprig crypto function. Sprig reports several failures as
the *value* (``bcrypt``: ``failed to encrypt string with bcrypt: …``), not as errors; those
stay values. Go panics (``decryptAES`` on short input) become ``FuncError`` with Go's text.
Randomness comes from ``secrets`` / ``os.urandom``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import uuid

import bcrypt as bcrypt_lib
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import certgen
from ._gostr import go_bytes, go_string
from .certgen import GoStruct
from .registry import MAX_OUTPUT, FuncError, FuncMap

__all__ = [
    "GoStruct",
    "bcrypt",
    "decrypt_aes",
    "derive_password",
    "encrypt_aes",
    "htpasswd",
    "rand_bytes",
    "register",
    "uuidv4",
]

_BCRYPT_COST = 10  # x/crypto/bcrypt.DefaultCost

# Go's errors and runtime panics for decryptAES / randBytes; none repeats input bytes.
ERR_BASE64 = "illegal base64 data at input byte {}"
ERR_SHORT_INPUT = "runtime error: slice bounds out of range [:16] with capacity {}"
ERR_NOT_FULL_BLOCKS = "crypto/cipher: input not full blocks"
ERR_NO_BLOCKS = "runtime error: index out of range [-1]"
ERR_BAD_PADDING = "runtime error: slice bounds out of range [:{}]"
ERR_NEGATIVE_COUNT = "runtime error: makeslice: len out of range"
ERR_TOO_MANY_BYTES = "randBytes: {} bytes exceeds the template limit of {} bytes"
_MASTER_PASSWORD_SEED = b"com.lyndir.masterpassword"
_TEMPLATES: dict[str, list[str]] = {
    "maximum": ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
    "long": [
        "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
        "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
        "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
        "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
        "CvccCvcvCvccno",
    ],
    "medium": ["CvcnoCvc", "CvcCvcno"],
    "short": ["Cvcn"],
    "basic": ["aaanaaan", "aannaaan", "aaannaaa"],
    "pin": ["nnnn"],
}  # fmt: skip
_CHARACTERS = {
    "V": "AEIOU",
    "C": "BCDFGHJKLMNPQRSTVWXYZ",
    "v": "aeiou",
    "c": "bcdfghjklmnpqrstvwxyz",
    "A": "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
    "a": "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
    "n": "0123456789",
    "o": "@&%?,=[]_:-+*$#!'^~;()/.",
    "x": "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
}


def bcrypt(text: str) -> str:
    """``bcrypt``: a ``$2a$10$`` hash of ``text`` (x/crypto's prefix and default cost)."""
    password = go_bytes(text)
    if len(password) > 72:
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
    return bcrypt_lib.hashpw(password, bcrypt_lib.gensalt(_BCRYPT_COST, b"2a")).decode()


def htpasswd(username: str, password: str, algorithm: str) -> str:
    """``htpasswd``: ``user:{SHA}base64(sha1)`` for ``sha``, else ``user:bcrypt``."""
    if ":" in username:
        return f"invalid username: {username}"
    if algorithm == "sha":
        digest = hashlib.sha1(go_bytes(password), usedforsecurity=False).digest()
        return f"{username}:{{SHA}}{base64.b64encode(digest).decode()}"
    return f"{username}:{bcrypt(password)}"


def _scope(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def derive_password(counter: int, kind: str, password: str, user: str, site: str) -> str:
    """``derivePassword``: the Master Password algorithm (scrypt N=32768 r=8 p=2, HMAC-SHA256)."""
    templates = _TEMPLATES.get(kind)
    if templates is None:
        return f"cannot find password template {kind}"
    salt = _MASTER_PASSWORD_SEED + _scope(go_bytes(user))
    key = hashlib.scrypt(
        go_bytes(password), salt=salt, n=32768, r=8, p=2, maxmem=64 << 20, dklen=64
    )
    message = (
        _MASTER_PASSWORD_SEED + _scope(go_bytes(site)) + (counter & 0xFFFFFFFF).to_bytes(4, "big")
    )
    seed = hmac.new(key, message, hashlib.sha256).digest()
    template = templates[seed[0] % len(templates)]
    return "".join(
        _CHARACTERS[c][seed[i + 1] % len(_CHARACTERS[c])] for i, c in enumerate(template)
    )


def _aes_key(password: str) -> bytes:
    return go_bytes(password)[:32].ljust(32, b"\0")


def encrypt_aes(password: str, plaintext: str) -> str:
    """``encryptAES``: base64(IV ‖ AES-256-CBC(PKCS#7(plaintext))), key = password zero-padded."""
    if not plaintext:
        return ""
    content = go_bytes(plaintext)
    pad = 16 - len(content) % 16
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).encryptor()
    body = encryptor.update(content + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(iv + body).decode()


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n")


def _go_b64decode(text: str) -> bytes:
    """``base64.StdEncoding.DecodeString``; the error names the first bad byte's offset."""
    try:
        return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError) as e:
        bad = next((i for i, c in enumerate(text) if c not in _B64_ALPHABET), None)
        offset = bad if bad is not None else len(text) - len(text) % 4
        raise FuncError(ERR_BASE64.format(offset)) from e


def decrypt_aes(password: str, crypt64: str) -> str:
    """``decryptAES``: inverse of ``encryptAES``; like sprig, strips the padding unchecked."""
    if not crypt64:
        return ""
    crypt = _go_b64decode(crypt64)
    if len(crypt) < 16:
        raise FuncError(ERR_SHORT_INPUT.format(len(crypt)))
    iv, body = crypt[:16], crypt[16:]
    if len(body) % 16:
        raise FuncError(ERR_NOT_FULL_BLOCKS)
    if not body:
        raise FuncError(ERR_NO_BLOCKS)
    decryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    if plain[-1] > len(plain):
        raise FuncError(ERR_BAD_PADDING.format(len(plain) - plain[-1]))
    return go_string(plain[: len(plain) - plain[-1]])


def rand_bytes(count: int) -> str:
    """``randBytes``: base64 of ``count`` random bytes."""
    if count < 0:
        raise FuncError(ERR_NEGATIVE_COUNT)
    if count > MAX_OUTPUT:
        raise FuncError(ERR_TOO_MANY_BYTES.format(count, MAX_OUTPUT))
    return base64.b64encode(os.urandom(count)).decode()


def uuidv4() -> str:
    """``uuidv4``: a random (version 4) UUID in its canonical lower-case form."""
    return str(uuid.uuid4())


def register(funcs: FuncMap) -> None:
    """Register every sprig crypto function (these and ``certgen``'s) with its Go signature."""
    funcs.register("bcrypt", "string", result="string")(bcrypt)
    # sprig's parameter is the named type HashAlgorithm: Go converts a string constant to it
    # but rejects a string variable ("wrong type for value; expected sprig.HashAlgorithm").
    funcs.register("htpasswd", "string", "string", "sprig.HashAlgorithm", result="string")(htpasswd)
    funcs.register(
        "derivePassword", "uint32", "string", "string", "string", "string", result="string"
    )(derive_password)
    funcs.register("encryptAES", "string", "string", result="string", returns_error=True)(
        encrypt_aes
    )
    funcs.register("decryptAES", "string", "string", result="string", returns_error=True)(
        decrypt_aes
    )
    funcs.register("randBytes", "int", result="string", returns_error=True)(rand_bytes)
    funcs.register("uuidv4", result="string")(uuidv4)
    certgen.register(funcs)
