"""Just enough DER to read and write PKCS#12 files and key structures byte for byte like Go.

``cryptography`` parses certificates and keys but exposes no ASN.1 layer, and ESO's PKCS#12
behaviour (which bag is the leaf, which errors, the exact bytes ``go-pkcs12`` writes) can only
be reproduced by walking the structures ourselves. Go's ``encoding/asn1`` is strict DER, so
this reader is too: definite minimal lengths, single-byte tags, no trailing data where Go
forbids it. Values are ``Tlv`` triples; writers return encoded bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DerError",
    "Tlv",
    "context",
    "decode_int",
    "decode_oid",
    "encode_int",
    "encode_oid",
    "octets",
    "read_all",
    "read_first",
    "read_one",
    "seq",
    "set_of",
    "tlv",
]

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
OCTET_STRING = 0x04
OID = 0x06
NULL = 0x05
BIT_STRING = 0x03
BMP_STRING = 0x1E


class DerError(ValueError):
    """Malformed DER (Go: ``asn1: structure error`` / ``asn1: syntax error``)."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One decoded element: identifier octet, content octets and the full encoding."""

    tag: int
    content: bytes
    raw: bytes

    def children(self) -> list[Tlv]:
        """The elements a constructed value contains (SEQUENCE, SET, explicit tags)."""
        if not self.tag & 0x20:
            raise DerError("asn1: structure error: expected a constructed value")
        return read_all(self.content)

    def expect(self, tag: int) -> Tlv:
        if self.tag != tag:
            raise DerError(f"asn1: structure error: tags don't match ({tag:#x} vs {self.tag:#x})")
        return self


def _read(data: bytes, pos: int) -> tuple[Tlv, int]:
    if pos == len(data):  # Go: a value expected where the input ends
        raise DerError("asn1: syntax error: sequence truncated")
    if len(data) - pos < 2:
        raise DerError("asn1: syntax error: truncated tag or length")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("asn1: syntax error: multi-byte tags are not supported")
    start = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0:
            raise DerError("asn1: syntax error: indefinite length found (not DER)")
        if len(data) - start < count:
            raise DerError("asn1: syntax error: truncated tag or length")
        if count > 4:
            raise DerError("asn1: syntax error: indefinite or oversized length")
        length = int.from_bytes(data[start : start + count], "big")
        if length < 0x80 or data[start] == 0:
            raise DerError("asn1: structure error: length not minimally-encoded")
        start += count
    end = start + length
    if end > len(data):
        raise DerError("asn1: syntax error: data truncated")
    return Tlv(tag, data[start:end], data[pos:end]), end


def read_all(data: bytes) -> list[Tlv]:
    """Every element in ``data``, which they must fill exactly."""
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        item, pos = _read(data, pos)
        items.append(item)
    return items


def read_first(data: bytes) -> tuple[Tlv, int]:
    """The first element of ``data`` and the offset where it ends (more may follow)."""
    return _read(data, 0)


def read_one(data: bytes) -> Tlv:
    """Exactly one element; trailing bytes are an error, as in go-pkcs12's ``unmarshal``."""
    item, end = _read(data, 0)
    if end != len(data):
        raise DerError("pkcs12: trailing data found")
    return item


def decode_int(item: Tlv) -> int:
    item.expect(INTEGER)
    if not item.content:
        raise DerError("asn1: syntax error: empty integer")
    return int.from_bytes(item.content, "big", signed=True)


def decode_oid(item: Tlv) -> str:
    content = item.expect(OID).content
    if not content:
        raise DerError("asn1: syntax error: zero length OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def seq(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    """A SET OF, elements sorted by encoding as DER (and Go's ``asn1`` since 1.15) require."""
    return tlv(SET, b"".join(sorted(parts)))


def context(number: int, content: bytes, *, constructed: bool = True) -> bytes:
    """``[number]``: explicit (constructed) around an encoding, or implicit primitive."""
    return tlv((0xA0 if constructed else 0x80) | number, content)


def octets(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def encode_int(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def encode_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))
