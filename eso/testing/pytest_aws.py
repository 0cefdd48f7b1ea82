"""pytest plugin: the ``moto_server`` fixture (moto ThreadedMotoServer on 127.0.0.1)."""

from __future__ import annotations
