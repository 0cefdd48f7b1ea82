"""The eso.io/rollout-on-change annotation: what it names and what it refuses."""

from __future__ import annotations

import pytest

from eso.controllers.rollout import messages as m
from eso.controllers.rollout.podhash import annotation_key, data_hmac
from eso.controllers.rollout.targets import Problem, annotation_of, parse_targets


def _names(value: str) -> list[str]:
    return [str(w) for w in parse_targets(value).workloads]


def test_the_issue_example_names_a_deployment_and_a_statefulset() -> None:
    targets = parse_targets("deployment/api,statefulset/db")
    assert [str(w) for w in targets.workloads] == ["deployment/api", "statefulset/db"]
    assert targets.problems == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Deployment/api", ["deployment/api"], id="kind-case"),
        pytest.param("deploy/api", ["deployment/api"], id="short-name"),
        pytest.param("deployments.apps/api", ["deployment/api"], id="plural-with-group"),
        pytest.param("sts/db", ["statefulset/db"], id="sts"),
        pytest.param("ds/agent", ["daemonset/agent"], id="ds"),
        pytest.param(" deployment/api , ,deployment/api,", ["deployment/api"], id="spaces-dupes"),
    ],
)
def test_kinds_are_read_as_kubectl_users_write_them(value: str, expected: list[str]) -> None:
    assert _names(value) == expected
    assert parse_targets(value).problems == ()


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        pytest.param("other/deployment/api", m.ERR_CROSS_NAMESPACE, id="cross-namespace"),
        pytest.param("cronjob/nightly", m.ERR_UNKNOWN_KIND.format(kind="cronjob"), id="kind"),
        pytest.param("api", m.ERR_BAD_ENTRY, id="no-kind"),
        pytest.param("deployment/", m.ERR_BAD_ENTRY, id="no-name"),
        pytest.param("deployment/API", m.ERR_BAD_NAME.format(name="API"), id="bad-name"),
    ],
)
def test_bad_entries_are_problems_and_the_good_ones_still_roll(entry: str, problem: str) -> None:
    targets = parse_targets(f"{entry},daemonset/agent")
    assert [str(w) for w in targets.workloads] == ["daemonset/agent"]
    assert targets.problems == (Problem(entry=entry, detail=problem),)


def test_annotation_is_read_from_the_external_secret_metadata() -> None:
    raw = {"metadata": {"annotations": {m.ANNOTATION_ROLLOUT_ON_CHANGE: "deploy/api"}}}
    assert annotation_of(raw) == "deploy/api"
    assert annotation_of({"metadata": {}}) is None


def test_pod_template_key_is_per_external_secret_and_a_valid_annotation_name() -> None:
    assert annotation_key("db-creds") == "secret-hash.eso.io/db-creds"
    long_a, long_b = "a" * 60 + "-x" * 20, "a" * 60 + "-y" * 20
    key_a, key_b = annotation_key(long_a), annotation_key(long_b)
    assert key_a != key_b
    for key in (key_a, key_b):
        name = key.removeprefix(m.POD_TEMPLATE_HASH_PREFIX)
        assert len(name) <= 63
        assert name[0].isalnum() and name[-1].isalnum()


def test_hash_is_keyed_so_it_does_not_reveal_a_guessable_value() -> None:
    """A reader of the Deployment cannot confirm a guess without the Secret's uid."""
    import hashlib
    import json

    data = {"pin": "MTIzNA=="}  # base64 of 1234
    value = data_hmac(data, secret_uid="uid-1")
    assert value not in {
        hashlib.sha256(
            json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest(),
        hashlib.sha256(b"1234").hexdigest(),
    }
    assert value != data_hmac(data, secret_uid="uid-2")
    assert value == data_hmac(dict(data), secret_uid="uid-1")
    assert value != data_hmac({"pin": "MTIzNQ=="}, secret_uid="uid-1")


def test_hash_does_not_depend_on_key_order() -> None:
    one = data_hmac({"a": "MQ==", "b": "Mg=="}, secret_uid="u")
    assert one == data_hmac({"b": "Mg==", "a": "MQ=="}, secret_uid="u")
