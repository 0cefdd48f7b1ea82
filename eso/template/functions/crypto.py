"""Placeholder for ESO's crypto template functions (another work stream; replaced at merge).

It exists so that ``library.function_map`` imports every module of the final library.
"""

from __future__ import annotations

from eso.template.functions.registry import FuncMap

__all__ = ["register"]


def register(funcs: FuncMap) -> None:
    """Registers nothing until the real module lands."""
    del funcs
