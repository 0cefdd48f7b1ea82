"""The pod-template annotation a rollout writes: its key and a value that reveals nothing.

Changing any pod-template annotation makes the Deployment, StatefulSet or DaemonSet
controller roll its pods; the value only has to change when the Secret's data does.

The key is per ExternalSecret (``secret-hash.eso.io/<ExternalSecret name>``), so two
ExternalSecrets naming the same workload never overwrite each other's record. A name longer
than an annotation name part allows (63) is shortened with a digest suffix.

The value is HMAC-SHA256 of the Secret's data keyed by the Secret's uid, not the plain SHA hash
of the data Reloader writes: whoever may read a Deployment may not read the Secret,
and a plain hash of a low-entropy value (a 6-digit PIN, a dictionary password) is reversed by
trying candidates. The uid is a random UUID visible only to those who may read the Secret,
so the value is useless without the Secret. It is stable for one Secret's data (a no-op
resync writes the same value) and changes when the data or the Secret's identity does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from eso.controllers.rollout import messages as m

_MAX_NAME_PART = 63
_DIGEST_CHARS = 8


def annotation_key(es_name: str) -> str:
    """The pod-template annotation key the ExternalSecret ``es_name`` writes."""
    if len(es_name) <= _MAX_NAME_PART:
        return m.POD_TEMPLATE_HASH_PREFIX + es_name
    digest = hashlib.sha256(es_name.encode()).hexdigest()[:_DIGEST_CHARS]
    head = es_name[: _MAX_NAME_PART - _DIGEST_CHARS - 1].rstrip("-.")
    return f"{m.POD_TEMPLATE_HASH_PREFIX}{head}-{digest}"


def data_hmac(data: Mapping[str, str], *, secret_uid: str) -> str:
    """HMAC-SHA256 (hex) of a Secret's ``data`` (base64 values as stored), keyed by its uid.

    The message is the data as canonical JSON (sorted keys), so key order never matters and
    no two different data maps share a message.
    """
    message = json.dumps(dict(data), sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret_uid.encode(), message, hashlib.sha256).hexdigest()
