"""The import graph follows the layers in STYLE.md: each layer imports only from below.

base (settings, logging, metrics, clock, tasks) → api → template | kube | providers →
generators → controllers → cli/app/server. kube, providers and template are siblings and
must not import each other. Inside controllers: runtime → secretstore | rollout → externalsecret |
clusterexternalsecret → pushsecret → clusterpushsecret → informers → routing → sharding → manager.

The test harness (``localkube``) is another distribution: the product never imports it (but
for ``eso.cli``'s one guarded, lazy import), and the harness may use ``eso.api`` and eso's base
utilities only, never eso's client or controllers, or it could not judge them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "eso"

HARNESS = Path(__file__).resolve().parents[2] / "localkube" / "src" / "localkube"

RANK = {
    "base": 0,
    "api": 1,
    "kube": 2,
    "providers": 2,
    "template": 2,
    "generators": 2.5,  # may use providers (AWS clients); controllers use generators
    "controllers": 3,
    "top": 4,
}
TOP_MODULES = {"cli", "app", "__main__", "server"}
CONTROLLER_RANK: dict[str, float] = {
    "runtime": 0,
    "secretstore": 1,
    "rollout": 1,
    "externalsecret": 2,
    "clusterexternalsecret": 2,
    # A PushSecret renders templates and reads sources the way an ExternalSecret does; a
    # ClusterPushSecret stamps PushSecrets. Fractions keep the other ranks as they are.
    "pushsecret": 2.5,
    "clusterpushsecret": 2.7,
    "informers": 3,
    "routing": 4,
    "sharding": 5,
    "manager": 6,
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "eso":
        raise ValueError(module)
    if len(parts) == 1:
        return "base"
    head = parts[1]
    if head in ("api", "kube", "providers", "template", "generators", "controllers"):
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
    return {n for n in found if n.split(".")[0] in ("eso", "localkube")}


def _controller_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "controllers" else None


def _violation(src: str, dst: str) -> str | None:
    if dst.split(".")[0] == "localkube":
        return f"{src} imports the test harness ({dst})"
    src_layer, dst_layer = layer_of(src), layer_of(dst)
    if dst_layer == src_layer == "controllers":
        a, b = _controller_part(src), _controller_part(dst)
        if a and b and a != b and CONTROLLER_RANK[b] >= CONTROLLER_RANK[a]:
            return f"{src} ({a}) imports {dst} ({b})"
        return None
    if dst_layer != src_layer and RANK[dst_layer] >= RANK[src_layer]:
        return f"{src} ({src_layer}) imports {dst} ({dst_layer})"
    return None


def violations(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        src = module_name(path, root)
        for dst in imports_of(path, root):
            problem = _violation(src, dst)
            if problem is not None:
                bad.append(problem)
    return bad


def harness_violations(root: Path = HARNESS) -> list[str]:
    """The harness may import eso.api and eso's base modules, nothing else of eso."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        src = module_name(path, root)
        for dst in imports_of(path, root):
            if dst.split(".")[0] == "eso" and layer_of(dst) not in ("base", "api"):
                bad.append(f"{src} imports {dst}")
    return bad


def test_layers_only_import_downward() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("eso.metrics", "base"),
        ("eso.api.models", "api"),
        ("eso.kube.client", "kube"),
        ("eso.controllers.runtime.worker", "controllers"),
        ("eso.template.values", "template"),
        ("eso.generators.password", "generators"),
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


def test_the_harness_uses_only_the_api_and_base_of_eso() -> None:
    assert harness_violations() == []


def test_only_the_cli_names_the_harness() -> None:
    """The product's one lazy, guarded import of the harness lives in eso.cli."""
    naming = sorted(module_name(p) for p in ROOT.rglob("*.py") if "localkube" in p.read_text())
    assert naming == ["eso.cli"]


def test_a_static_import_of_the_harness_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "eso"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "app.py").write_text("import localkube.demo\n")
    assert violations(fake) == ["eso.app imports the test harness (localkube.demo)"]


def test_a_lower_controller_package_importing_a_higher_one_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "eso"
    (fake / "controllers" / "runtime").mkdir(parents=True)
    for init in (fake, fake / "controllers", fake / "controllers" / "runtime"):
        (init / "__init__.py").write_text("")
    bad = fake / "controllers" / "runtime" / "x.py"
    bad.write_text("from eso.controllers.externalsecret import reconciler\n")
    assert violations(fake) == [
        "eso.controllers.runtime.x (runtime) imports "
        "eso.controllers.externalsecret (externalsecret)"
    ]
