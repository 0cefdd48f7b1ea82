"""Reading kubeconfig files: merge, pick a context, resolve its cluster and user entries.

kubectl's rules, kept small: ``$KUBECONFIG`` is a ``os.pathsep``-separated list of files
merged in order, where the first file to define a cluster, context or user name wins and the
first file to set ``current-context`` wins; missing files are skipped. A relative path in an
entry (``certificate-authority``, ``client-key``, ``tokenFile``...) is relative to the file
that defined the entry. This module only reads YAML into plain values; turning them into TLS
settings and credentials is ``eso.kube.config``'s job. It exists so eso does not import
kubernetes-asyncio (about 60 MB of resident memory for its generated models) to read a file.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_SECTIONS = (("clusters", "cluster"), ("contexts", "context"), ("users", "user"))

# User entries whose credentials need kubernetes-asyncio's plugin code (exec, OIDC, GCP...).
PLUGIN_KEYS = frozenset({"exec", "auth-provider"})


class ConfigSourceError(Exception):
    """The kubeconfig cannot be used; the message names the problem, never a credential."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One named cluster or user, with the directory its relative paths are relative to."""

    values: dict[str, Any]
    base: Path

    def file_or_data(self, key: str) -> tuple[str | None, bytes | None]:
        """``key-data`` (base64, wins) as bytes, else ``key`` as an absolute path to a file."""
        data = self.values.get(f"{key}-data")
        if data:
            try:
                return None, base64.b64decode(str(data))
            except binascii.Error as e:
                raise ConfigSourceError(f"{key}-data is not valid base64") from e
        path = self.values.get(key)
        if not path:
            return None, None
        full = self.base / Path(str(path)).expanduser()
        if not full.is_file():
            raise ConfigSourceError(f"{key} file {full} does not exist")
        return str(full), None


@dataclass(frozen=True, slots=True)
class Selected:
    """The context in use and the cluster and user it names (user empty when it names none)."""

    context: str
    cluster: Entry
    user: Entry

    @property
    def needs_plugin(self) -> bool:
        return any(key in self.user.values for key in PLUGIN_KEYS)


def existing_files(paths: str) -> list[Path]:
    """The files of a ``os.pathsep``-separated list that exist, ``~`` expanded, in order."""
    found = [Path(p).expanduser() for p in paths.split(os.pathsep) if p]
    return [p for p in found if p.is_file()]


def select(files: list[Path], *, context: str | None = None) -> Selected:
    """Merge ``files`` and resolve ``context`` (default: the merged ``current-context``)."""
    merged: dict[str, dict[str, Entry]] = {section: {} for section, _ in _SECTIONS}
    current = ""
    for path in files:
        doc = _load(path)
        current = current or str(doc.get("current-context") or "")
        for section, inner in _SECTIONS:
            for name, values in _named(doc, section, inner):
                merged[section].setdefault(name, Entry(values, path.parent.resolve()))
    name = context or current
    if not name:
        raise ConfigSourceError("no context given and no current-context set")
    ctx = _lookup(merged["contexts"], "context", name).values
    cluster = _lookup(merged["clusters"], "cluster", str(ctx.get("cluster") or ""))
    if not cluster.values.get("server"):
        raise ConfigSourceError(f"cluster of context {name!r} has no server")
    user_name = str(ctx.get("user") or "")
    user = merged["users"].get(user_name) or Entry({}, cluster.base)
    return Selected(context=name, cluster=cluster, user=user)


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open() as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise ConfigSourceError(f"{path}: {e}") from e
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigSourceError(f"{path}: not a mapping")
    return doc


def _named(doc: dict[str, Any], section: str, inner: str) -> list[tuple[str, dict[str, Any]]]:
    items = doc.get(section) or []
    if not isinstance(items, list):
        raise ConfigSourceError(f"{section} is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or "name" not in item:
            raise ConfigSourceError(f"an entry of {section} has no name")
        values = item.get(inner) or {}
        if not isinstance(values, dict):
            raise ConfigSourceError(f"{section} entry {item['name']!r} has no {inner} mapping")
        out.append((str(item["name"]), values))
    return out


def _lookup(entries: dict[str, Entry], kind: str, name: str) -> Entry:
    try:
        return entries[name]
    except KeyError:
        raise ConfigSourceError(f"no {kind} named {name!r}") from None
