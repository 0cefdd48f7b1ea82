"""docs/ARCHITECTURE.md lists every module of the product, so it cannot fall behind the code."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_is_listed_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    modules = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "eso").rglob("*.py"))
    assert [m for m in modules if f"`{m}`" not in doc] == []
