"""Newline-delimited JSON decoding for watch streams.

aiohttp's ``readline`` refuses lines above its buffer limit (128 KiB), and one watch event can
be several megabytes (a Secret near the 1 MiB object limit, base64-encoded, in a List-sized
event). So we split chunks ourselves: a line may span any number of chunks, and a chunk may
hold many lines. Scanning resumes where the previous search stopped, keeping this linear in
the stream size.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from eso.kube.errors import KubeError

MAX_LINE = 64 * 1024 * 1024


class WatchDecodeError(KubeError):
    """The server sent a line that is not a JSON watch event, or an absurdly long one."""


async def iter_json_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[dict[str, Any]]:
    """Yield one decoded object per non-empty line; a trailing unterminated line counts."""
    buf = bytearray()
    scanned = 0
    async for chunk in chunks:
        buf += chunk
        while True:
            nl = buf.find(b"\n", scanned)
            if nl < 0:
                scanned = len(buf)
                if scanned > MAX_LINE:
                    raise WatchDecodeError(f"watch line longer than {MAX_LINE} bytes")
                break
            line = bytes(buf[:nl])
            del buf[: nl + 1]
            scanned = 0
            if line.strip():
                yield _decode(line)
    if buf.strip():
        yield _decode(bytes(buf))


def _decode(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError as e:
        raise WatchDecodeError(f"undecodable watch line ({len(line)} bytes)") from e
    if not isinstance(event, dict):
        raise WatchDecodeError("watch line is not an object")
    return event
