"""ESO's hashes, reproduced exactly: the data-hash annotation, the created-by label and the field
owner name.

Matching ESO byte for byte means a cluster can move between ESO and eso without every managed
Secret being rewritten (the data hash is what both compare to decide whether to write). ESO
hashes Go's ``fmt.Sprintf("%+v", value)`` with SHA3-224, so we rebuild that text: a
``map[string][]byte`` prints as ``map[k1:[1 2 3] k2:[]]`` with keys sorted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from eso.api.conditions import FIELD_OWNER_SHA_TEMPLATE, FIELD_OWNER_TEMPLATE

__all__ = ["data_hash", "field_owner", "object_hash", "owner_label_value"]

_MAX_FIELD_OWNER = 63


def object_hash(text: str) -> str:
    """ESO's ``ObjectHash`` of a value whose ``%+v`` form is ``text``: SHA3-224, hex."""
    return hashlib.sha3_224(text.encode()).hexdigest()


def _go_bytes_map(data: Mapping[str, bytes]) -> str:
    items = (f"{key}:[{' '.join(str(b) for b in data[key])}]" for key in sorted(data))
    return f"map[{' '.join(items)}]"


def data_hash(data: Mapping[str, bytes]) -> str:
    """The ``reconcile.external-secrets.io/data-hash`` value for a Secret's decoded ``data``."""
    return object_hash(_go_bytes_map(data))


def owner_label_value(namespace: str, name: str) -> str:
    """The ``reconcile.external-secrets.io/created-by`` value for the owning ExternalSecret."""
    return object_hash(f"{namespace}/{name}")


def field_owner(es_name: str) -> str:
    """The field manager eso writes a managed Secret as, for the ExternalSecret ``es_name``."""
    owner = FIELD_OWNER_TEMPLATE.format(name=es_name)
    if len(owner) > _MAX_FIELD_OWNER:
        digest = hashlib.sha3_224(es_name.encode()).hexdigest()
        owner = FIELD_OWNER_SHA_TEMPLATE.format(digest=digest)
    return owner
