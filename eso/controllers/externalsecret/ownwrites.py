"""``OwnSecretVersions``: which versions of the managed Secrets eso wrote or checked itself.

Both paths need to know it, so it is one component with this contract:

- the reconcile path (``SecretWriter``) owns it: ``record(es_key, version)`` after every write
  or verification of an ExternalSecret's Secret, ``trust`` for a Secret first seen after start
  (not verified yet: trusted until its refresh is due), ``forget`` when the ExternalSecret is
  gone;
- the informer path only asks ``is_own_write(es_key, secret)``: an update event carrying a
  version we wrote is our own write echoing back, so it wakes nothing.

A version is ``(uid, resourceVersion)``: a Secret deleted and recreated under the same name is
a different Secret. Holding one short tuple per ExternalSecret is the whole memory cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eso.kube.keys import ObjectKey

Version = tuple[str, str]
"""``(uid, resourceVersion)`` of a Secret."""


def version_of(obj: Mapping[str, Any]) -> Version:
    """The version of a raw Secret (full or metadata-only)."""
    meta = obj.get("metadata") or {}
    return (str(meta.get("uid", "")), str(meta.get("resourceVersion", "")))


class OwnSecretVersions:
    """Versions written or verified (``record``) and first sightings (``trust``), per ES key."""

    def __init__(self) -> None:
        self._verified: dict[ObjectKey, Version] = {}
        self._trusted: dict[ObjectKey, Version] = {}

    def record(self, es_key: ObjectKey, version: Version) -> None:
        """We wrote this version, or read it and found its data matching its hash."""
        self._verified[es_key] = version
        self._trusted.pop(es_key, None)

    def trust(self, es_key: ObjectKey, version: Version) -> None:
        """First sighting since start: believed intact until the next refresh verifies it."""
        self._trusted[es_key] = version

    def forget(self, es_key: ObjectKey) -> None:
        self._verified.pop(es_key, None)
        self._trusted.pop(es_key, None)

    def drop_verified(self, es_key: ObjectKey) -> None:
        """The Secret was deleted by us: nothing of it is verified any more."""
        self._verified.pop(es_key, None)

    def is_own_write(self, es_key: ObjectKey, secret: Mapping[str, Any]) -> bool:
        """Whether ``secret`` is exactly a version we wrote or verified."""
        return self._verified.get(es_key) == version_of(secret)

    def is_known(self, es_key: ObjectKey, version: Version) -> bool:
        """Whether ``version`` was verified or trusted for ``es_key``."""
        return version in (self._verified.get(es_key), self._trusted.get(es_key))

    def seen(self, es_key: ObjectKey) -> bool:
        """Whether any version was recorded or trusted for ``es_key`` since start."""
        return es_key in self._verified or es_key in self._trusted
