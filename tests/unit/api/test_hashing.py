"""ESO's hashes reproduced byte for byte, so moving between ESO and eso rewrites no Secret."""

from __future__ import annotations

import hashlib
import re

from eso.api.hashing import data_hash, field_owner, object_hash, owner_label_value


def test_object_hash_matches_esos_test_vector_for_a_string() -> None:
    assert object_hash("hello there") == "f78681ec611ebaeea0689bff6c7812a83ff98a7faba986d9af76c999"


def test_data_hash_matches_esos_test_vector_for_a_byte_map() -> None:
    data = {"foo": b"value1", "bar": b"value2"}
    assert data_hash(data) == "1bed8bcbcb4547ffe19a19cd47d9078e84aa6598266d86b99f992d64"


def test_data_hash_hashes_gos_sorted_map_text() -> None:
    expected = hashlib.sha3_224(b"map[a:[] b:[1 255]]").hexdigest()
    assert data_hash({"b": b"\x01\xff", "a": b""}) == expected
    assert data_hash({}) == hashlib.sha3_224(b"map[]").hexdigest()


def test_data_hash_changes_with_any_value() -> None:
    assert data_hash({"k": b"v1"}) != data_hash({"k": b"v2"})


def test_owner_label_value_is_a_valid_label_value() -> None:
    value = owner_label_value("allfunds", "allfunds-secret")
    assert value == object_hash("allfunds/allfunds-secret")
    assert re.fullmatch(r"[a-f0-9]{56}", value)


def test_field_owner_falls_back_to_a_hash_past_63_characters() -> None:
    assert field_owner("db") == "externalsecrets.external-secrets.io/db"
    long_name = "x" * 40
    owner = field_owner(long_name)
    digest = hashlib.sha3_224(long_name.encode()).hexdigest()
    assert owner == f"externalsecrets.external-secrets.io/sha3/{digest}"
