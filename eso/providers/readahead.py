"""Which reconcile a read belongs to, and which reconciles come next: for prefetching.

A provider that batches (AWS ``BatchGetSecretValue``: one call for 1 or 20 secrets) can fill a
batch's free seats with the secrets that the next reconciles in line will read, so their reads
become cache hits instead of calls of their own. Only the work queue knows what comes next
(its ready lanes in order, then its delayed heap by due time), and only the provider knows
which secrets a key read last time. This context variable joins the two without either
layer importing the other: the worker sets it around each reconcile; tasks the provider
starts from a read (single flight, batch calls) inherit it.

It is a hint, never a source of truth: a prefetched value goes through the provider's cache
with the time its call started, so whether a reader may take it is the cache's age rule alone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReadContext:
    """The reconcile's key, and ``upcoming(limit)``: next keys with their due times."""

    key: Hashable
    upcoming: Callable[[int], Sequence[tuple[Hashable, float]]]


READING: ContextVar[ReadContext | None] = ContextVar("eso_reading", default=None)
