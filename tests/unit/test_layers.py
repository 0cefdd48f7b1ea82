"""The import graph follows the layers in STYLE.md: each layer imports only from below.

base (settings, logging, metrics, clock, tasks) → api → kube | providers | testing →
controllers → cli/app/demo. kube and providers are siblings and must not import each other;
the local control plane (testing) must not use our own client, or it could not judge it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "eso"

RANK = {"base": 0, "api": 1, "kube": 2, "providers": 2, "testing": 2, "controllers": 3, "top": 4}
TOP_MODULES = {"cli", "app", "demo", "__main__", "server"}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "eso":
        raise ValueError(module)
    if len(parts) == 1:
        return "base"
    head = parts[1]
    if head in ("api", "kube", "providers", "testing", "controllers"):
        return head
    return "top" if head in TOP_MODULES else "base"


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    mod = module_name(path, root)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
    return {n for n in found if n == "eso" or n.startswith("eso.")}


def violations(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        src = module_name(path, root)
        src_layer = layer_of(src)
        for dst in imports_of(path, root):
            dst_layer = layer_of(dst)
            if dst_layer == src_layer:
                continue
            if RANK[dst_layer] >= RANK[src_layer]:
                bad.append(f"{src} ({src_layer}) imports {dst} ({dst_layer})")
    return bad


def test_layers_only_import_downward() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("eso.metrics", "base"),
        ("eso.api.models", "api"),
        ("eso.kube.client", "kube"),
        ("eso.controllers.worker", "controllers"),
        ("eso.cli", "top"),
    ],
)
def test_modules_are_assigned_to_their_layer(module: str, layer: str) -> None:
    assert layer_of(module) == layer


def test_an_upward_import_is_reported(tmp_path: Path) -> None:
    """The checker itself must be able to fail."""
    fake = tmp_path / "eso"
    (fake / "kube").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "kube" / "__init__.py").write_text("")
    (fake / "kube" / "bad.py").write_text("from eso.controllers import worker\n")
    assert violations(fake) == ["eso.kube.bad (kube) imports eso.controllers (controllers)"]
