"""Every aiobotocore session of the process reads botocore's data through one loader.

botocore parses its data files (service models, ``endpoints.json``) per *session*, into that
session's loader, and keeps them for the session's life. eso holds one session per AWS service
pool and one per assumed-role store, so each of them would hold its own copy: 6.7 MiB of parsed
``endpoints.json`` alone, the largest object of an idle controller (tracemalloc, ``make
bench``). ``new_session`` gives every session the same loader, so each file is parsed once.

That loader also trims ``endpoints.json`` to the services eso calls (``SERVICES``): the file
describes every AWS service in every partition, and the endpoint resolver only ever looks up
the service of the client being built. A service missing from the trimmed data would resolve
through the partition's defaults (botocore's behaviour for a service it does not know), so
adding a client of a new service without listing it here degrades to the generic hostname
pattern, never to an error.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from aiobotocore.session import AioSession, get_session
from botocore.loaders import Loader

# ecr and ecr-public serve the ECRAuthorizationToken generator (eso/generators/ecr.py).
SERVICES = frozenset({"secretsmanager", "ssm", "sts", "ecr", "ecr-public"})
_ENDPOINTS = "endpoints"


class _TrimmedLoader(Loader):  # type: ignore[misc]  # botocore is untyped
    """botocore's loader, with ``endpoints.json`` trimmed to ``SERVICES`` as it is loaded."""

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        # botocore caches the returned objects per loader (``instance_cache``), so trimming them
        # in place is what makes the cache hold the small version; trimming twice is a no-op.
        data, path = super().load_data_with_path(name)
        if name == _ENDPOINTS:
            for partition in data.get("partitions") or ():
                services = partition.get("services") or {}
                for service in [s for s in services if s not in SERVICES]:
                    del services[service]
        return data, path


@functools.cache
def shared_loader(data_path: str | None = None) -> Loader:
    """The one loader per ``AWS_DATA_PATH`` value (botocore's ``create_loader``, trimmed)."""
    if data_path is None:
        return _TrimmedLoader()
    paths = [str(Path(os.path.expandvars(p)).expanduser()) for p in data_path.split(os.pathsep)]
    return _TrimmedLoader(extra_search_paths=paths)


def new_session() -> AioSession:
    """A fresh aiobotocore session (own credentials and config) on the shared loader."""
    session = get_session()
    data_path = session.get_config_variable("data_path")
    session.register_component("data_loader", shared_loader(data_path))
    return session
