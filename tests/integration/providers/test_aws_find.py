"""dataFrom.find against moto: ESO's filters do what AWS does, and listings are shared."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aws_helpers import NAMESPACE, FakeSecrets, calls, store_doc

from eso.api.models import ExternalSecretFind
from eso.metrics import Metrics
from eso.providers.aws.secretsmanager import AWSProvider
from eso.template import re2
from localkube.moto import MotoSecrets

LIST = "ListSecrets"
BATCH = "BatchGetSecretValue"
GET = "GetSecretValue"


async def find(
    provider: AWSProvider, getter: FakeSecrets, *, max_age: float | None = None, **spec: Any
) -> dict[str, bytes]:
    """One find through a new client, as one reconcile makes it."""
    query = ExternalSecretFind.model_validate(spec)
    client = await provider.new_client(store_doc(), namespace=NAMESPACE, get_secret=getter)
    match = re2.compile(query.name.regexp).match_string if query.name else None
    return await client.get_all_secrets(query, max_age=max_age, match=match)


async def test_find_by_name_regexp_lists_once_and_reads_only_the_matches(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create_many({"app/db": "d", "app/api": "a", "other/app": "o", "app2/x": "x"})
    got = await find(provider, k8s_secrets, name={"regexp": "^app/"})
    assert got == {"app/db": b"d", "app/api": b"a"}
    assert (calls(metrics, LIST), calls(metrics, BATCH), calls(metrics, GET)) == (1, 1, 0)


async def test_find_by_path_filters_by_name_prefix_server_side(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create_many({"team/a/one": "1", "team/a/two": "2", "team/b/one": "3"})
    got = await find(provider, k8s_secrets, path="team/a/", name={"regexp": "one$|two$"})
    assert got == {"team/a/one": b"1", "team/a/two": b"2"}


async def test_find_by_tags_is_awss_prefix_match_on_any_tag(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets
) -> None:
    """As in ESO: tag-key and tag-value are separate prefix filters, so {env: prod} also
    selects env=production and a secret with "env" and "prod" on different tags."""
    await moto_secrets.create("exact", "1", tags={"env": "prod"})
    await moto_secrets.create("longer", "2", tags={"env": "production"})
    await moto_secrets.create("split", "3", tags={"env": "dev", "team": "prod"})
    await moto_secrets.create("dev", "4", tags={"env": "dev"})
    await moto_secrets.create("untagged", "5")
    got = await find(provider, k8s_secrets, tags={"env": "prod"})
    assert got == {"exact": b"1", "longer": b"2", "split": b"3"}


async def test_find_matching_nothing_is_empty_without_reading_values(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create_many({"a": "1"})
    assert await find(provider, k8s_secrets, name={"regexp": "^zzz"}) == {}
    assert (calls(metrics, LIST), calls(metrics, BATCH)) == (1, 0)


async def test_100_concurrent_identical_finds_cost_one_listing(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create_many({f"svc/{i:02d}": f"v{i}" for i in range(30)})
    results = await asyncio.gather(
        *(find(provider, k8s_secrets, max_age=60.0, name={"regexp": "^svc/"}) for _ in range(100))
    )
    want = {f"svc/{i:02d}": f"v{i}".encode() for i in range(30)}
    assert all(r == want for r in results)
    assert calls(metrics, LIST) == 1
    assert calls(metrics, BATCH) <= 4  # 30 values, in batches of up to 20
    again = await find(provider, k8s_secrets, max_age=60.0, name={"regexp": "^svc/0"})
    assert again == {k: v for k, v in want.items() if re.match("svc/0", k)}
    assert calls(metrics, LIST) == 1  # same filters, other regexp: the listing is reused


async def test_a_listing_longer_than_a_page_is_read_to_the_end(
    provider: AWSProvider, moto_secrets: MotoSecrets, k8s_secrets: FakeSecrets, metrics: Metrics
) -> None:
    await moto_secrets.create_many({f"bulk-{i:03d}": "v" for i in range(130)})
    got = await find(provider, k8s_secrets, name={"regexp": "^bulk-"})
    assert len(got) == 130
    assert calls(metrics, LIST) == 2
