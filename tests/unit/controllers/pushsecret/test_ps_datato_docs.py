"""ESO's own ``dataTo`` documentation snippets expand to what their comments promise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eso.api.pushsecret import PushSecret
from eso.api.secretstore import SecretStore
from eso.controllers.pushsecret.datato import plan_for_store, validate_store_refs

SNIPPETS = Path(__file__).resolve().parents[3] / "fixtures" / "eso-docs" / "pushsecret"
SOURCE = dict.fromkeys(("db-host", "db-port", "username", "password", "api-key"), b"v")
STORE = SecretStore.model_validate({"metadata": {"name": "secret-store", "namespace": "default"}})


def snippet(name: str) -> dict[str, Any]:
    text = (SNIPPETS / f"{name}.yaml").read_text()
    lines = [ln for ln in text.splitlines() if ln.strip() not in ("{% raw %}", "{% endraw %}")]
    docs = [d for d in yaml.safe_load_all("\n".join(lines)) if d]
    return next(d for d in docs if d["kind"] == "PushSecret")


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("pushsecret-datato-basic", {k: k for k in SOURCE}),
        ("pushsecret-datato-regex", {"db-host": "db-host", "db-port": "db-port"}),
        (
            "pushsecret-datato-rewrite",
            {"myapp/database/host": "db-host", "myapp/database/port": "db-port"},
        ),
        ("pushsecret-datato-chained", {"prod/host": "db-host", "prod/port": "db-port"}),
        (
            "pushsecret-datato-override",
            {
                "db-port": "db-port",
                "username": "username",
                "password": "password",
                "custom/database/hostname": "db-host",
                "custom/api/secret-key": "api-key",
            },
        ),
        (
            "pushsecret-datato-template",
            {f"secrets/{k.upper()}": k for k in SOURCE},
        ),
    ],
)
def test_eso_snippet_expands_as_documented(name: str, want: dict[str, str]) -> None:
    ps = PushSecret.model_validate(snippet(name))
    validate_store_refs(ps)
    entries = plan_for_store(ps, STORE, SOURCE).entries
    assert {e.remote_key: e.secret_key for e in entries} == want
