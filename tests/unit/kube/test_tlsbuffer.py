"""TLS connections read into a 64 KiB buffer, not asyncio's 256 KiB (memory per connection)."""

from __future__ import annotations

import asyncio.sslproto
from collections.abc import Iterator

import pytest

from eso.kube.tlsbuffer import TLS_READ_BUFFER, limit_tls_read_buffer


@pytest.fixture
def restored() -> Iterator[None]:
    saved = asyncio.sslproto.SSLProtocol.max_size
    asyncio.sslproto.SSLProtocol.max_size = 256 * 1024  # the stdlib default
    yield
    asyncio.sslproto.SSLProtocol.max_size = saved


def test_new_tls_connections_allocate_the_smaller_buffer(restored: None) -> None:
    """asyncio sizes each connection's receive buffer from this class attribute."""
    assert limit_tls_read_buffer()
    assert asyncio.sslproto.SSLProtocol.max_size == TLS_READ_BUFFER


def test_the_limit_never_raises_the_size(restored: None) -> None:
    asyncio.sslproto.SSLProtocol.max_size = 16 * 1024
    assert limit_tls_read_buffer()
    assert asyncio.sslproto.SSLProtocol.max_size == 16 * 1024
