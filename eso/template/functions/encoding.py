"""Sprig's ``b64enc``/``b64dec``/``b32enc``/``b32dec``/``hexdec``.

Sprig's decoders do not fail: on bad input they return Go's error *text* as the decoded value
("illegal base64 data at input byte 4"), and ESO writes that into the Secret. So the decoders
restate Go's ``encoding/base64``/``base32``/``hex`` exactly, including where they stop and
which byte offset they blame, and that Go's base64 and base32 skip ``\\r`` and ``\\n``. The
texts name offsets (hex: one input byte, as Go's does; it goes to the output, not to logs).
"""

from __future__ import annotations

import base64
import binascii
import string

from eso.template.functions._gostr import go_bytes, go_string
from eso.template.functions.registry import FuncMap

__all__ = ["register"]

_B64 = {
    c: i
    for i, c in enumerate(
        go_bytes(string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/")
    )
}
_B32 = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}
_PAD = 0x3D
_NL = (0x0A, 0x0D)


class _CorruptError(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def b64enc(s: str) -> str:
    return base64.b64encode(go_bytes(s)).decode()


def b32enc(s: str) -> str:
    return base64.b32encode(go_bytes(s)).decode()


def _b64_quantum(src: bytes, si: int) -> tuple[int, list[int], bool]:
    """Go's ``decodeQuantum``: the next up-to-4 sextets, and whether input ended."""
    buf: list[int] = []
    while len(buf) < 4:
        if si == len(src):
            if not buf:
                return si, buf, True
            raise _CorruptError(si - len(buf))
        ch = src[si]
        si += 1
        if ch in _B64:
            buf.append(_B64[ch])
            continue
        if ch in _NL:
            continue
        if ch != _PAD or len(buf) < 2:
            raise _CorruptError(si - 1)
        if len(buf) == 2:
            while si < len(src) and src[si] in _NL:
                si += 1
            if si == len(src):
                raise _CorruptError(len(src))
            if src[si] != _PAD:
                raise _CorruptError(si - 1)
            si += 1
        while si < len(src) and src[si] in _NL:
            si += 1
        if si < len(src):
            raise _CorruptError(si)
        return si, buf, True
    return si, buf, False


def _b64_decode(src: bytes) -> bytes:
    out = bytearray()
    si = 0
    while True:
        si, buf, end = _b64_quantum(src, si)
        if buf:
            val = 0
            for i in range(4):
                val = (val << 6) | (buf[i] if i < len(buf) else 0)
            out += val.to_bytes(3, "big")[: len(buf) - 1]
        if end:
            return bytes(out)


def b64dec(s: str) -> str:
    try:
        return go_string(_b64_decode(go_bytes(s)))
    except _CorruptError as e:
        return f"illegal base64 data at input byte {e.offset}"


def _b32_decode(src: bytes) -> bytes:
    out = bytearray()
    olen, pos, end = len(src), 0, False
    while pos < olen and not end:
        buf: list[int] = []
        while len(buf) < 8:
            if pos == olen:
                raise _CorruptError(pos - len(buf))
            ch = src[pos]
            pos += 1
            left = olen - pos
            if ch == _PAD and len(buf) >= 2 and left < 8:
                if left + len(buf) < 7:
                    raise _CorruptError(olen)
                for k in range(7 - len(buf)):
                    if left > k and src[pos + k] != _PAD:
                        raise _CorruptError(pos + k - 1)
                end = True
                if len(buf) in (1, 3, 6):
                    raise _CorruptError(pos - 1)
                break
            if ch not in _B32:
                raise _CorruptError(pos - 1)
            buf.append(_B32[ch])
        val = 0
        for i in range(8):
            val = (val << 5) | (buf[i] if i < len(buf) else 0)
        out += val.to_bytes(5, "big")[: {8: 5, 7: 4, 5: 3, 4: 2, 2: 1}[len(buf)]]
    return bytes(out)


def b32dec(s: str) -> str:
    data = bytes(b for b in go_bytes(s) if b not in _NL)
    try:
        return go_string(_b32_decode(data))
    except _CorruptError as e:
        return f"illegal base32 data at input byte {e.offset}"


def _hex_byte_error(byte: int) -> str:
    ch = chr(byte)
    shown = f" '{ch}'" if ch.isprintable() else ""
    return f"encoding/hex: invalid byte: U+{byte:04X}{shown}"


def hexdec(s: str) -> str:
    data = go_bytes(s)
    for byte in data:
        if chr(byte) not in string.hexdigits:
            return _hex_byte_error(byte)
    if len(data) % 2:
        return "encoding/hex: odd length hex string"
    return go_string(binascii.unhexlify(data))


def register(funcs: FuncMap) -> None:
    r = funcs.register
    for name, fn in (
        ("b64enc", b64enc),
        ("b64dec", b64dec),
        ("b32enc", b32enc),
        ("b32dec", b32dec),
        ("hexdec", hexdec),
    ):
        r(name, "string", result="string")(fn)
