"""A smaller TLS read buffer per connection: 64 KiB instead of asyncio's 256 KiB.

Since Python 3.11 every TLS connection asyncio opens (``asyncio.sslproto.SSLProtocol``)
allocates and zero-fills a ``max_size`` receive buffer (256 KiB) for its whole life. eso talks
HTTP/1.1 to the API server, so the client pool holds one connection per request in flight: at
``--concurrent 64`` plus the informers' watches that is ~77 connections and 19 MiB of buffers
(tracemalloc at N=10,000, ``make bench``), the single largest allocation site after the
informer caches. The buffer only stages ciphertext read from the socket; a TLS record is at
most 16 KiB, so 64 KiB still takes four records per read and a 5 MB list page costs ~80 reads
instead of ~20, which is noise next to decoding it.

asyncio offers no per-connection knob (the event loop instantiates the class itself), so the
class attribute is lowered once, at process start (``eso.app``); it affects every TLS
connection of the process, the AWS SDK's included, which is intended. On an interpreter
without the attribute (another asyncio implementation) nothing is changed.
"""

from __future__ import annotations

import asyncio.sslproto

TLS_READ_BUFFER = 64 * 1024


def limit_tls_read_buffer(size: int = TLS_READ_BUFFER) -> bool:
    """Make new TLS connections allocate ``size`` bytes to read into; False if unsupported.

    Idempotent, and it never raises the size. Connections opened before the call keep theirs.
    """
    proto = asyncio.sslproto.SSLProtocol
    current = getattr(proto, "max_size", None)
    if not isinstance(current, int):
        return False
    proto.max_size = min(current, size)
    return True
