"""Fetching an ExternalSecret's values: merge order, and failures named per item."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eso.api.models import ExternalSecret, ExternalSecretDataRemoteRef, ExternalSecretFind
from eso.controllers.externalsecret.fetch import EntryStoreError, fetch_all
from eso.providers.base import ProviderUnavailableError, SecretNotFoundError


class FakeClient:
    """A SecretsClient over a dict: str values are strings, dict values are JSON maps."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.max_ages: list[float | None] = []
        self.finds: list[ExternalSecretFind] = []

    def _get(self, ref: ExternalSecretDataRemoteRef) -> Any:
        value = self.values.get(ref.key)
        if value is None:
            raise SecretNotFoundError(f"secret {ref.key!r} not found")
        if isinstance(value, Exception):
            raise value
        return value

    async def get_secret(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> bytes:
        self.max_ages.append(max_age)
        return str(self._get(ref)).encode()

    async def get_secret_map(
        self, ref: ExternalSecretDataRemoteRef, *, max_age: float | None = None
    ) -> dict[str, bytes]:
        self.max_ages.append(max_age)
        return {k: str(v).encode() for k, v in self._get(ref).items()}

    async def get_all_secrets(
        self,
        find: ExternalSecretFind,
        *,
        max_age: float | None = None,
        match: Callable[[str], bool] | None = None,
    ) -> dict[str, bytes]:
        self.max_ages.append(max_age)
        self.finds.append(find)
        return {
            k: str(v).encode()
            for k, v in self.values.items()
            if isinstance(v, str) and (match is None or match(k))
        }

    async def validate(self) -> None:
        return None

    async def close(self) -> None:
        return None


def _es(data: Sequence[tuple[str, str]] = (), data_from: Sequence[str] = ()) -> ExternalSecret:
    spec = {
        "data": [{"secretKey": k, "remoteRef": {"key": r}} for k, r in data],
        "dataFrom": [{"extract": {"key": r}} for r in data_from],
    }
    return ExternalSecret.model_validate(
        {"metadata": {"name": "x", "namespace": "n"}, "spec": spec}
    )


async def test_data_entries_override_data_from_in_order() -> None:
    client = FakeClient({"a": {"k": "from-a", "x": "1"}, "b": {"k": "from-b"}, "v": "direct"})
    got = await fetch_all(_es([("k", "v")], ["a", "b"]), client, max_age=30.0)
    assert got.data == {"k": b"direct", "x": b"1"}
    assert (got.errors, got.missing, got.transient) == ([], [], False)
    assert client.max_ages == [30.0, 30.0, 30.0]


async def test_missing_secrets_are_reported_apart_from_errors() -> None:
    client = FakeClient({"ok": "v", "flaky": ProviderUnavailableError("throttled")})
    got = await fetch_all(_es([("a", "ok"), ("b", "gone"), ("c", "flaky")]), client, max_age=None)
    assert got.data == {"a": b"v"}
    assert got.missing == [
        "error processing spec.data[1] (key: gone), err: secret 'gone' not found"
    ]
    assert got.errors == ["error processing spec.data[2] (key: flaky), err: throttled"]
    assert got.transient


async def test_invalid_extracted_keys_fail_the_entry_without_values() -> None:
    """Conversion keeps letters, so a non-ASCII one is still invalid for a Secret."""
    client = FakeClient({"m": {"clé": "s3cr3t"}})
    got = await fetch_all(_es(data_from=["m"]), client, max_age=None)
    assert got.data == {}
    (error,) = got.errors
    assert error.startswith("error processing spec.dataFrom[0].extract, err: invalid secret keys")
    assert "s3cr3t" not in error


async def test_unexpected_exceptions_are_named_by_type_only() -> None:
    client = FakeClient({"k": RuntimeError("value=s3cr3t")})
    got = await fetch_all(_es([("a", "k")]), client, max_age=None)
    assert got.errors == ["error processing spec.data[0] (key: k), err: unexpected RuntimeError"]
    assert got.transient


def _es_doc(data: list[dict[str, Any]], data_from: list[dict[str, Any]]) -> ExternalSecret:
    spec = {"data": data, "dataFrom": data_from}
    return ExternalSecret.model_validate(
        {"metadata": {"name": "x", "namespace": "n"}, "spec": spec}
    )


async def test_decoding_and_conversion_strategies_apply_after_the_read() -> None:
    client = FakeClient({"b64": "aGVsbG8=", "m": {"db/user": "YWRtaW4=", "db pass": "cHc="}})
    es = _es_doc(
        [{"secretKey": "greeting", "remoteRef": {"key": "b64", "decodingStrategy": "Base64"}}],
        [{"extract": {"key": "m", "conversionStrategy": "Unicode", "decodingStrategy": "Auto"}}],
    )
    got = await fetch_all(es, client, max_age=None)
    assert got.errors == []
    assert got.data == {"greeting": b"hello", "db_U002f_user": b"admin", "db_U0020_pass": b"pw"}


async def test_extracted_keys_are_converted_by_default_as_eso_does() -> None:
    client = FakeClient({"m": {"db/user": "u", "db pass": "p"}})
    got = await fetch_all(_es(data_from=["m"]), client, max_age=None)
    assert got.data == {"db_user": b"u", "db_pass": b"p"}


async def test_a_value_that_does_not_decode_fails_its_item_without_the_value() -> None:
    client = FakeClient({"plain": "not base64!", "m": {"k": "s3cr3t?"}})
    es = _es_doc(
        [{"secretKey": "a", "remoteRef": {"key": "plain", "decodingStrategy": "Base64URL"}}],
        [{"extract": {"key": "m", "decodingStrategy": "Base64"}}],
    )
    got = await fetch_all(es, client, max_age=None)
    assert got.data == {}
    assert got.errors == [
        "error processing spec.dataFrom[0].extract, err: error applying decoding strategy "
        "Base64 to data: failure decoding key k: illegal base64 data",
        "error processing spec.data[0] (key: plain), err: error applying decoding strategy "
        "Base64URL to data: illegal base64 data",
    ]
    assert not got.transient


async def test_a_rewrite_replaces_key_conversion() -> None:
    """ESO converts keys only without rewrite, so a rewrite leaving "/" fails the key check."""
    client = FakeClient({"m": {"db/user": "u", "db/pass": "p"}})
    es = _es_doc(
        [],
        [
            {"extract": {"key": "m"}, "rewrite": [{"regexp": {"source": "^db/", "target": ""}}]},
            {"extract": {"key": "m"}, "rewrite": [{"regexp": {"source": "x", "target": "y"}}]},
        ],
    )
    got = await fetch_all(es, client, max_age=None)
    assert got.data == {"user": b"u", "pass": b"p"}
    assert got.errors == [
        "error processing spec.dataFrom[1].extract, err: invalid secret keys (TIP: use rewrite "
        "or conversionStrategy to change keys): invalid keys ['db/pass', 'db/user']"
    ]


async def test_a_rewrite_to_an_empty_key_drops_it_as_eso_does() -> None:
    client = FakeClient({"m": {"keep": "k", "drop-me": "d"}})
    rewrite = [{"regexp": {"source": "^drop-.*", "target": ""}}]
    got = await fetch_all(
        _es_doc([], [{"extract": {"key": "m"}, "rewrite": rewrite}]), client, max_age=None
    )
    assert (got.data, got.errors) == ({"keep": b"k"}, [])


async def test_find_names_are_matched_with_go_regexps_and_converted() -> None:
    client = FakeClient({"app/db": "1", "app/api": "2", "other/db": "3"})
    find = {"name": {"regexp": "^app/"}, "decodingStrategy": "None"}
    got = await fetch_all(_es_doc([], [{"find": find}]), client, max_age=12.0)
    assert got.data == {"app_db": b"1", "app_api": b"2"}
    assert client.max_ages == [12.0]


async def test_a_find_regexp_re2_rejects_fails_its_entry_with_esos_words() -> None:
    client = FakeClient({"a": "1"})
    got = await fetch_all(
        _es_doc([], [{"find": {"name": {"regexp": "(?!x)"}}}]), client, max_age=None
    )
    assert got.errors == [
        "error processing spec.dataFrom[0].find, err: error getting all secrets: could not "
        "compile find.name.regexp [(?!x)]: error parsing regexp: invalid or unsupported Perl "
        "syntax: `(?!`"
    ]
    assert not got.transient


async def test_find_matching_nothing_is_an_empty_map_not_an_error() -> None:
    client = FakeClient({"a": "1"})
    got = await fetch_all(
        _es_doc([], [{"find": {"name": {"regexp": "^zzz"}}}]), client, max_age=None
    )
    assert (got.data, got.errors, got.missing) == ({}, [], [])


async def test_entries_read_from_their_own_store_and_fail_alone() -> None:
    main, other = FakeClient({"a": "main-a"}), FakeClient({"a": "other-a", "m": {"k": "v"}})
    broken = EntryStoreError('could not get SecretStore "gone", not found', transient=False)
    es = _es_doc(
        [
            {"secretKey": "one", "remoteRef": {"key": "a"}},
            {
                "secretKey": "two",
                "remoteRef": {"key": "a"},
                "sourceRef": {"storeRef": {"name": "other"}},
            },
            {
                "secretKey": "three",
                "remoteRef": {"key": "a"},
                "sourceRef": {"storeRef": {"name": "gone"}},
            },
        ],
        [{"extract": {"key": "m"}, "sourceRef": {"storeRef": {"name": "other"}}}],
    )
    entries = {("SecretStore", "other"): other, ("SecretStore", "gone"): broken}
    got = await fetch_all(es, main, max_age=None, entries=entries)
    assert got.data == {"one": b"main-a", "two": b"other-a", "k": b"v"}
    assert got.errors == [
        'error processing spec.data[2] (key: a), err: could not get SecretStore "gone", not found'
    ]
    assert not got.transient
