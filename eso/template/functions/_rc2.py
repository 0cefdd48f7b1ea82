"""RC2-CBC decryption (RFC 2268), for PKCS#12 files encrypted the legacy way.

Most PKCS#12 files written before OpenSSL 3 encrypt their certificates with 40-bit RC2
(``pbeWithSHAAnd40BitRC2-CBC``), which go-pkcs12 reads and ESO users have. ``cryptography``
only offers 128-bit RC2, so the cipher is restated here from the RFC; it only ever decrypts a
few kilobytes of certificates, so pure Python is fast enough.
"""

from __future__ import annotations

__all__ = ["rc2_cbc_decrypt"]

# RFC 2268 section 2: PITABLE, a permutation of 0..255 from the digits of pi.
_PI = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_MASK = 0xFFFF


def _expand(key: bytes, bits: int) -> list[int]:
    size = len(key)
    table = bytearray(key) + bytearray(128 - size)
    for i in range(size, 128):
        table[i] = _PI[(table[i - 1] + table[i - size]) & 0xFF]
    t8 = (bits + 7) // 8
    table[128 - t8] = _PI[table[128 - t8] & (0xFF >> (8 * t8 - bits))]
    for i in range(127 - t8, -1, -1):
        table[i] = _PI[table[i + 1] ^ table[i + t8]]
    return [table[2 * i] | table[2 * i + 1] << 8 for i in range(64)]


def _ror(word: int, shift: int) -> int:
    return ((word >> shift) | (word << (16 - shift))) & _MASK


def _unmix(r: list[int], k: list[int], j: int) -> int:
    for i, shift in ((3, 5), (2, 3), (1, 2), (0, 1)):
        r[i] = _ror(r[i], shift)
        r[i] = (r[i] - k[j] - (r[i - 1] & r[i - 2]) - (~r[i - 1] & r[i - 3])) & _MASK
        j -= 1
    return j


def _unmash(r: list[int], k: list[int]) -> None:
    for i in (3, 2, 1, 0):
        r[i] = (r[i] - k[r[i - 1] & 63]) & _MASK


def _decrypt_block(block: bytes, k: list[int]) -> bytes:
    r = [block[2 * i] | block[2 * i + 1] << 8 for i in range(4)]
    j = 63
    for rounds in (5, 6, 5):
        for _ in range(rounds):
            j = _unmix(r, k, j)
        if j > 0:
            _unmash(r, k)
    return b"".join(w.to_bytes(2, "little") for w in r)


def rc2_cbc_decrypt(key: bytes, *, iv: bytes, data: bytes) -> bytes:
    """Decrypt ``data`` (a multiple of 8 bytes) with effective key bits ``8 * len(key)``."""
    k = _expand(key, 8 * len(key))
    out = bytearray()
    previous = iv
    for pos in range(0, len(data), 8):
        block = data[pos : pos + 8]
        plain = _decrypt_block(block, k)
        out += bytes(a ^ b for a, b in zip(plain, previous, strict=True))
        previous = block
    return bytes(out)
