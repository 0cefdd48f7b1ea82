"""Go strings as bytes: how a template's ``string`` arguments become the bytes Go would see.

A Go ``string`` is any byte sequence; ours is ``str``. The project decodes payloads with
UTF-8 and ``surrogateescape`` (``eso.providers.paths``), so binary secrets such as a ``.pfx``
read through ``b64dec`` survive as lone surrogates. Crypto functions work on bytes, so every
one converts through these two functions and nothing else, keeping the round trip lossless.
"""

from __future__ import annotations

__all__ = ["go_bytes", "go_string"]


def go_bytes(text: str) -> bytes:
    """The bytes of Go string ``text`` (inverse of ``go_string``)."""
    return text.encode("utf-8", "surrogateescape")


def go_string(data: bytes) -> str:
    """``string(data)`` in Go: bytes that are not UTF-8 are kept as surrogates."""
    return data.decode("utf-8", "surrogateescape")
