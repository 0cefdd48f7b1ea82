"""SSH key pairs in OpenSSH's formats (rsa, ecdsa or ed25519), as ESO's SSHKey makes them.

``privateKey`` is the OpenSSH private key format (``-----BEGIN OPENSSH PRIVATE KEY-----``,
unencrypted) carrying ``comment``, ``publicKey`` the authorized_keys line with `` comment``
appended and a final newline, as Go's ``ssh.MarshalPrivateKey`` / ``MarshalAuthorizedKey``
write them. RSA keys have ``keySize`` bits (default 2048); ECDSA keys use the curve of
``keySize`` (256, 384 or 521; anything else P-256, as ESO).

Built on ``cryptography`` (already eso's dependency for the template functions), which draws
from OpenSSL's CSPRNG; it writes OpenSSH private keys without a comment, so the comment is put
into the key's private section here (``_with_comment``), a small, checked rewrite of a
documented format (OpenSSH's PROTOCOL.key). Split from ``sshkey`` so that ``cryptography``
(~14 MB) loads at the first SSH key, not at start.
"""

from __future__ import annotations

import base64
import struct
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from eso.api.generators import SSHKeySpec
from eso.generators.base import Generated, GeneratorError

DEFAULT_RSA_BITS: Final = 2048
ERR_GENERATE: Final = "unable to generate SSH key: {error}"
_CURVES: dict[int, ec.EllipticCurve] = {
    256: ec.SECP256R1(),
    384: ec.SECP384R1(),
    521: ec.SECP521R1(),
}
_PEM_BEGIN: Final = b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
_PEM_END: Final = b"-----END OPENSSH PRIVATE KEY-----\n"
_BLOCK: Final = 8  # the "none" cipher's block size

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def new_key(spec: SSHKeySpec) -> PrivateKey:
    """A fresh private key of the spec's type and size."""
    if spec.key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if spec.key_type == "ecdsa":
        return ec.generate_private_key(_CURVES.get(spec.key_size or 256, ec.SECP256R1()))
    try:
        return rsa.generate_private_key(65537, spec.key_size or DEFAULT_RSA_BITS)
    except ValueError as e:  # e.g. a key size OpenSSL refuses
        raise GeneratorError(ERR_GENERATE.format(error=e)) from None


def key_pair(spec: SSHKeySpec) -> Generated:
    """``privateKey`` and ``publicKey`` of a new key pair."""
    key = new_key(spec)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    comment = spec.comment.encode()
    if comment:
        private = _with_comment(private, comment)
        public += b" " + comment
    return {"privateKey": private, "publicKey": public + b"\n"}


def _string(data: bytes, at: int) -> tuple[bytes, int]:
    (size,) = struct.unpack_from(">I", data, at)
    end = at + 4 + size
    return data[at + 4 : end], end


def _padding(section: bytes) -> int:
    """How many trailing bytes of ``section`` are the padding 1, 2, ... k (0 if none)."""
    k = section[-1] if section else 0
    return k if 0 < k <= len(section) and section[-k:] == bytes(range(1, k + 1)) else 0


def _with_comment(pem: bytes, comment: bytes) -> bytes:
    """The unencrypted OpenSSH private key ``pem`` with its (empty) comment set to ``comment``.

    Layout: magic, cipher, kdf, kdf options, key count, public key, private section; the
    private section ends with the comment string and padding 1, 2, 3 ... to the block size.
    """
    body = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    at = len(b"openssh-key-v1\0")
    for _ in range(3):  # ciphername, kdfname, kdfoptions
        _, at = _string(body, at)
    at += 4  # number of keys (always 1 here)
    _, at = _string(body, at)  # the public key
    head, (private, _) = body[:at], _string(body, at)
    unpadded = private[: len(private) - _padding(private)]
    if unpadded[-4:] != b"\0\0\0\0":  # not the empty comment we expect: leave the key as is
        return pem
    section = unpadded[:-4] + struct.pack(">I", len(comment)) + comment
    section += bytes(range(1, 1 + (-len(section) % _BLOCK)))
    encoded = base64.b64encode(head + struct.pack(">I", len(section)) + section)
    lines = [encoded[i : i + 70] + b"\n" for i in range(0, len(encoded), 70)]
    return _PEM_BEGIN + b"".join(lines) + _PEM_END
