"""dataFrom.find for Secrets Manager: ESO's filters, and one listing shared per filter."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eso.api.models import ExternalSecretFind
from eso.clock import FakeClock
from eso.providers.aws.listing import SecretLister, filter_params, find_query
from eso.providers.base import ConfigError


def _find(**spec: Any) -> ExternalSecretFind:
    return ExternalSecretFind.model_validate(spec)


@pytest.mark.parametrize(
    ("spec", "filters", "by_name"),
    [
        pytest.param({"name": {"regexp": "^a"}}, [], True, id="name-only-lists-everything"),
        pytest.param(
            {"name": {"regexp": "x"}, "path": "team/"},
            [{"Key": "name", "Values": ["team/"]}],
            True,
            id="path-is-a-name-prefix",
        ),
        pytest.param(
            {"tags": {"team": "a", "env": "prod"}},
            [
                {"Key": "tag-key", "Values": ["env"]},
                {"Key": "tag-value", "Values": ["prod"]},
                {"Key": "tag-key", "Values": ["team"]},
                {"Key": "tag-value", "Values": ["a"]},
            ],
            False,
            id="tags-sorted-key-and-value-filters",
        ),
        pytest.param(
            {"tags": {"env": "prod"}, "path": "p/", "name": {"regexp": "."}},
            [
                {"Key": "tag-key", "Values": ["env"]},
                {"Key": "tag-value", "Values": ["prod"]},
                {"Key": "name", "Values": ["p/"]},
            ],
            True,
            id="everything",
        ),
    ],
)
def test_find_becomes_esos_list_secrets_filters(
    spec: dict[str, Any], filters: list[dict[str, Any]], by_name: bool
) -> None:
    query = find_query(_find(**spec))
    assert (filter_params(query.filters), query.by_name) == (filters, by_name)


def test_a_find_without_name_or_tags_is_esos_unexpected_operator() -> None:
    with pytest.raises(ConfigError, match=r"^unexpected find operator$"):
        find_query(_find(path="only/a/path"))


class FakeAWS:
    """ListSecrets over a list of names, two per page; counts calls."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, call: str, what: str, **params: Any) -> Any:
        self.calls.append(params)
        await asyncio.sleep(0)
        start = int(params.get("NextToken") or 0)
        page = {"SecretList": [{"Name": n} for n in self.names[start : start + 2]]}
        if start + 2 < len(self.names):
            page["NextToken"] = str(start + 2)
        return page


def _lister(aws: FakeAWS, clock: FakeClock, *, ttl: float = 30.0) -> SecretLister:
    return SecretLister(aws, identity="id", ttl=ttl, enabled=True, clock=clock)


async def test_concurrent_finds_share_one_paginated_listing() -> None:
    aws, clock = FakeAWS(["a", "b", "c", "d", "e"]), FakeClock()
    lister = _lister(aws, clock)
    got = await asyncio.gather(*(lister.names((), max_age=60.0) for _ in range(50)))
    assert set(got) == {("a", "b", "c", "d", "e")}
    assert len(aws.calls) == 3  # one listing of three pages
    assert all(c["MaxResults"] == 100 and "Filters" not in c for c in aws.calls)


async def test_a_listing_is_reused_within_ttl_and_max_age_then_listed_again() -> None:
    aws, clock = FakeAWS(["a"]), FakeClock()
    lister = _lister(aws, clock)
    await lister.names((), max_age=10.0)
    await clock.advance(5)
    await lister.names((), max_age=10.0)
    assert len(aws.calls) == 1
    await lister.names((), max_age=4.0)  # this reader wants fresher
    assert len(aws.calls) == 2
    await lister.names((), max_age=0)  # a fresh read always lists
    assert len(aws.calls) == 3


async def test_listings_are_kept_per_filter() -> None:
    aws, clock = FakeAWS(["a"]), FakeClock()
    lister = _lister(aws, clock)
    await lister.names((("name", ("x/",)),), max_age=None)
    await lister.names((("name", ("y/",)),), max_age=None)
    await lister.names((("name", ("x/",)),), max_age=None)
    assert [c["Filters"] for c in aws.calls] == [
        [{"Key": "name", "Values": ["x/"]}],
        [{"Key": "name", "Values": ["y/"]}],
    ]
