"""Remembering that a CEL rule passed, keyed by the part of ``self`` the rule reads.

cel-python walks a rule's parse tree on every evaluation, ~1-4 ms per rule on this machine,
and an ExternalSecret write runs about seven rules: creating 100k of them spent 95% of the
control plane's time in CEL (kube-apiserver runs compiled Go, microseconds). Most rules read
only a little of ``self`` (``has(self.data)``, ``size(self.dataFrom) > 0``,
``self.target.deletionPolicy == 'Delete'``), the same for thousands of objects, so a rule's
outcome is remembered under what it reads:

- ``has(self.a.b)``: whether ``b`` is there (and null);
- ``size(self.a)``: the size of ``a``;
- any other use of ``self.a.b`` (a comparison, ``self.a.b.matches(...)``, ``self.a[0]``,
  a macro ``self.a.all(x, ...)``): the whole value of ``a.b`` (of ``a`` for a method call);
- a path stopped early (a missing step, a non-object on the way) is recorded as where it
  stopped, so "no such key" errors differ as they do in CEL.

Only passes are remembered (a failure builds its message from the full ``self`` every time),
and only for rules without ``oldSelf``. A use of ``self`` this reading does not recognise
keys the memo on the whole value, which is always correct. Entries hold the schema node they
were computed for, so a node's ``id`` cannot be reused by another schema while its entries live.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

MAX_ENTRIES = 8192
# self, then .field steps (CEL identifiers)
_SELF_PATH = re.compile(r"\bself((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_CALL_BEFORE = re.compile(r"(?<![A-Za-z0-9_.])(has|size)\(\s*$")

Path = tuple[str, ...]
Use = tuple[Path, str]  # (path below self, "has" | "size" | "value")


@lru_cache(maxsize=4096)
def reads(text: str) -> tuple[Use, ...]:
    """What of ``self`` the rule ``text`` reads; ``(((), "value"),)`` when unsure."""
    uses: set[Use] = set()
    for m in _SELF_PATH.finditer(text):
        path: Path = tuple(m.group(1).split(".")[1:])
        rest = text[m.end() :].lstrip()
        if rest.startswith("("):  # a method of the last step reads that step's value
            uses.add((path[:-1], "value"))
        elif rest.startswith(")") and (call := _CALL_BEFORE.search(text[: m.start()])):
            uses.add((path, call.group(1)))
        else:
            uses.add((path, "value"))
    return tuple(sorted(uses))


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def _project(value: Any, path: Path, mode: str) -> tuple[Any, ...]:
    cur = value
    for depth, step in enumerate(path):
        if not isinstance(cur, dict):
            return ("not-object", depth, _canon(cur))
        if step not in cur:
            return ("missing", depth)
        cur = cur[step]
    if mode == "has":
        return ("present", cur is None)
    if mode == "size" and isinstance(cur, list | dict | str):
        return ("size", type(cur).__name__, len(cur))
    return ("value", _canon(cur))


class PassMemo:
    """Bounded LRU of (rule, schema node, what the rule reads) that passed."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[Any, ...], Mapping[str, Any]] = OrderedDict()

    def key(self, text: str, node: Mapping[str, Any], value: Any) -> tuple[Any, ...]:
        parts = tuple(_project(value, path, mode) for path, mode in reads(text))
        return (text, id(node), parts)

    def passed(self, key: tuple[Any, ...], node: Mapping[str, Any]) -> bool:
        held = self._entries.get(key)
        if held is not node:
            return False
        self._entries.move_to_end(key)
        return True

    def remember(self, key: tuple[Any, ...], node: Mapping[str, Any]) -> None:
        self._entries[key] = node
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
