"""The UUID generator: one random (version 4) UUID under the key ``uuid``, as ESO's.

``uuid.uuid4`` draws from ``os.urandom`` (the OS CSPRNG), like Go's ``uuid.New`` that ESO
uses; ESO's API docs call it version 1, its code makes version 4.
"""

from __future__ import annotations

import uuid as _uuid
from typing import Final

from eso.generators.base import Generated, GeneratorRequest

KEY: Final = "uuid"


class UUIDGenerator:
    """``Generator`` for kind UUID (its spec has no fields)."""

    async def generate(self, request: GeneratorRequest) -> Generated:
        """A new UUID in its canonical 36-character form."""
        return {KEY: str(_uuid.uuid4()).encode()}
