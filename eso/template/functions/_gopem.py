"""Go's ``encoding/pem``, restated: ESO's output equality depends on its exact rules.

``decode`` finds the first block the way Go's ``pem.Decode`` does (a ``-----BEGIN`` at the
start of the input or of a line, optional ``Key: value`` headers, the matching ``-----END``
line, base64 with spaces, tabs and newlines ignored) and returns the rest after the END line.
``encode`` writes what ``pem.Encode`` writes: headers (``Proc-Type`` first, then sorted), 64
character lines and a trailing newline. ``trim_junk`` is ESO's workaround that drops text
before the first ``-----BEGIN`` (Go's decoder stopped doing that; ESO kept the behaviour).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

__all__ = ["Block", "decode", "decode_all", "encode", "trim_junk"]

_START = b"\n-----BEGIN "
_END = b"\n-----END "
_EOL = b"-----"


@dataclass(slots=True)
class Block:
    """A PEM block: ``type``, ``headers`` and the decoded ``data``."""

    type: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _line(data: bytes) -> tuple[bytes, bytes]:
    i = data.find(b"\n")
    if i < 0:
        return data.rstrip(b" \t"), b""
    line = data[: i - 1] if i > 0 and data[i - 1 : i] == b"\r" else data[:i]
    return line.rstrip(b" \t"), data[i + 1 :]


def _headers(rest: bytes) -> tuple[dict[str, str], bytes] | None:
    headers: dict[str, str] = {}
    while True:
        if not rest:
            return None
        line, following = _line(rest)
        key, colon, value = line.partition(b":")
        if not colon:
            return headers, rest
        headers[key.strip().decode("latin-1")] = value.strip().decode("latin-1")
        rest = following


def _body(kind: bytes, *, headers: dict[str, str], rest: bytes) -> tuple[bytes, bytes] | None:
    if not headers and rest.startswith(_END[1:]):
        end, trailer = 0, len(_END) - 1
    else:
        end = rest.find(_END)
        trailer = end + len(_END)
    if end < 0:
        return None
    tail = rest[trailer:]
    size = len(kind) + len(_EOL)
    if len(tail) < size or tail[:size] != kind + _EOL:
        return None
    if _line(tail[size:])[0]:
        return None
    payload = rest[:end].replace(b" ", b"").replace(b"\t", b"")
    try:
        data = base64.b64decode(payload.replace(b"\r", b"").replace(b"\n", b""), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data, _line(rest[end + len(_END) - 1 :])[1]


def decode(data: bytes) -> tuple[Block | None, bytes]:
    """The first PEM block in ``data`` and the bytes after it, or ``(None, data)``."""
    rest = data
    while True:
        if rest.startswith(_START[1:]):
            rest = rest[len(_START) - 1 :]
        else:
            i = rest.find(_START)
            if i < 0:
                return None, data
            rest = rest[i + len(_START) :]
        kind, rest = _line(rest)
        if not kind.endswith(_EOL):
            continue
        kind = kind[: -len(_EOL)]
        parsed = _headers(rest)
        if parsed is None:
            return None, data
        headers, rest = parsed
        body = _body(kind, headers=headers, rest=rest)
        if body is None:
            continue
        return Block(kind.decode("utf-8", "surrogateescape"), body[0], headers), body[1]


def decode_all(data: bytes) -> list[Block]:
    """Every block ``decode`` finds, stopping at the first stretch that holds none."""
    blocks: list[Block] = []
    while True:
        block, data = decode(data)
        if block is None:
            return blocks
        blocks.append(block)


def encode(block: Block) -> bytes:
    """``pem.EncodeToMemory``; a header key containing ``:`` is Go's encode error."""
    out = [b"-----BEGIN ", block.type.encode("utf-8", "surrogateescape"), b"-----\n"]
    if block.headers:
        keys = sorted(k for k in block.headers if k != "Proc-Type")
        if "Proc-Type" in block.headers:
            keys.insert(0, "Proc-Type")
        for key in keys:
            if ":" in key:
                raise ValueError("pem: cannot encode a header key that contains a colon")
            out.append(f"{key}: {block.headers[key]}\n".encode("latin-1"))
        out.append(b"\n")
    text = base64.b64encode(block.data)
    out.extend(text[i : i + 64] + b"\n" for i in range(0, len(text), 64))
    out += [b"-----END ", block.type.encode("utf-8", "surrogateescape"), b"-----\n"]
    return b"".join(out)


def trim_junk(text: str) -> str:
    """ESO's ``trimJunk``: drop everything before the first ``-----BEGIN``."""
    i = text.find("-----BEGIN")
    return text if i < 0 else text[i:]
