"""Which reconcile a read belongs to, and which reconciles come next: for prefetching.

A provider that batches (AWS ``BatchGetSecretValue``: one call for 1 or 20 secrets) can fill a
batch's free seats with the secrets that the next reconciles in line will read, so their reads
become cache hits instead of calls of their own. Only the work queue knows what comes next
(its ready lanes in order, then its delayed heap by due time), and only the provider knows
which secrets a key read last time. This context variable joins the two without either
layer importing the other: the worker sets it around each reconcile; tasks the provider
starts from a read (single flight, batch calls) inherit it. It also lets a reconcile lend its
worker slot while it waits on a read, so reads of many reconciles can wait together.

It is a hint, never a source of truth: a prefetched value goes through the provider's cache
with the time its call started, so whether a reader may take it is the cache's age rule alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass


def _no_lending() -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


@dataclass(frozen=True, slots=True)
class ReadContext:
    """The reconcile's key; ``upcoming(limit)``: next keys with their due times; ``waiting()``:
    wrap a wait on the provider in it, so the reconcile's worker slot may serve another key
    meanwhile (``eso.controllers.runtime.slots``)."""

    key: Hashable
    upcoming: Callable[[int], Sequence[tuple[Hashable, float]]]
    waiting: Callable[[], AbstractAsyncContextManager[None]] = _no_lending
    # the key came from the change lane (someone waits for it): reads skip group commit
    urgent: bool = False


READING: ContextVar[ReadContext | None] = ContextVar("eso_reading", default=None)
