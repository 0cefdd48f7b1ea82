"""The library serves exactly the function names ESO v2.9 serves.

Expected to fail until the crypto/ESO-functions work (``crypto``, ``pkcs12``, ``pem``,
``jwk``, ``yamlfuncs``) is merged: their modules are placeholders in this branch.
"""

from __future__ import annotations

from pathlib import Path

from eso.template.functions.library import function_map

_NAMES = Path(__file__).with_name("eso_function_names.txt")


def _expected() -> list[str]:
    lines = _NAMES.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_function_map_serves_exactly_esos_names() -> None:
    assert function_map().names() == _expected()
