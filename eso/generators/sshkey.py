"""The SSHKey generator: a new OpenSSH key pair per generation (``openssh`` makes it).

Key generation runs in a worker thread: a 4096-bit RSA key takes a CPU-second the event loop
must not wait for. ``openssh`` (and with it ``cryptography``) is imported at the first SSH key,
so a controller whose ExternalSecrets generate none never loads it (``test_import_floor``).
"""

from __future__ import annotations

import asyncio
import importlib

from eso.api.generators import SSHKeySpec
from eso.generators.base import Generated, GeneratorRequest


class SSHKeyGenerator:
    """``Generator`` for kind SSHKey."""

    async def generate(self, request: GeneratorRequest) -> Generated:
        """A new key pair, made in a worker thread."""
        assert isinstance(request.spec, SSHKeySpec)
        openssh = importlib.import_module("eso.generators.openssh")
        pair: Generated = await asyncio.to_thread(openssh.key_pair, request.spec)
        return pair
