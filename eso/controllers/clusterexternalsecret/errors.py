"""The ClusterExternalSecret controller's error vocabulary: how selecting or writing fails.

Messages restate ESO's (``eso.api.conditions``) because they end up in
``status.failedNamespaces[].reason``, which users and scripts read.
"""

from __future__ import annotations

from eso.api import conditions as c
from eso.kube.errors import ApiError


class ClusterExternalSecretError(Exception):
    """Base of this controller's errors."""


class SelectorError(ClusterExternalSecretError):
    """A namespace selector Kubernetes would refuse to convert (ESO's ``errConvertLabelSelector``).

    ``str(e)`` is the whole user-facing message, with the offending selector in it.
    """


def write_failure(error: ApiError) -> str:
    """The ``failedNamespaces[].reason`` for a failed create or update of a child."""
    return c.ERR_CES_CREATE_OR_UPDATE.format(error=_api_message(error))


def delete_failure(error: ApiError) -> str:
    """The ``failedNamespaces[].reason`` for a child that could not be deleted."""
    return c.ERR_CES_DELETE.format(error=_api_message(error))


def _api_message(error: ApiError) -> str:
    # The API server's own message (``externalsecrets ... is forbidden: ...``) is what
    # controller-runtime shows; it never carries secret data.
    return error.message or str(error)
