"""A store's status: its Ready condition and, once validated, its capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eso.controllers.runtime.conditions import with_ready


def store_ready(
    status: Mapping[str, Any],
    *,
    ready: bool,
    reason: str,
    message: str,
    now: datetime,
    capabilities: str | None = None,
) -> dict[str, Any]:
    """A store's status with its Ready condition (and capabilities once validated)."""
    new = with_ready(status, ready=ready, reason=reason, message=message, now=now)
    if capabilities is not None:
        new["capabilities"] = capabilities
    return new
