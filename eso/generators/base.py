"""What every generator is: a ``Generator`` protocol, its input and its one error type.

A generator receives the parsed spec of its kind and what it may need to authenticate (the
credential and token getters the controller binds to the reading ExternalSecret's namespace,
as a namespaced SecretStore's would be) and returns fresh values, a new set on every call,
which is how ESO refreshes them on the ExternalSecret's refreshInterval. Failures are
``GeneratorError``: a message safe to show in a condition (never a generated or credential
value) and whether it may heal by itself (retried with backoff) or needs a spec change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from eso.api.meta import EsoModel
from eso.providers.base import SecretDataGetter, ServiceAccountTokenGetter

__all__ = ["Generated", "Generator", "GeneratorError", "GeneratorRequest"]

Generated = dict[str, bytes]


class GeneratorError(Exception):
    """A generator could not produce values; ``str()`` is safe to show anywhere."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class GeneratorRequest:
    """One generation: which object (for messages and principals), its spec, its getters."""

    kind: str
    name: str
    namespace: str  # the reading ExternalSecret's; credentials resolve there
    spec: EsoModel
    get_secret: SecretDataGetter
    get_token: ServiceAccountTokenGetter | None = None


class Generator(Protocol):
    """Makes values from a spec of one kind; each call makes new ones."""

    async def generate(self, request: GeneratorRequest) -> Generated:
        """The generated values by key; raises ``GeneratorError``. Cancellation propagates."""
        ...
