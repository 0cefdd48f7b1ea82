"""pytest plugin: a moto server on 127.0.0.1 and helpers to arrange AWS state.

- ``moto_server``: the session's ``MotoServer`` (started once), reset before each test, with
  the AWS SDK environment pointing at it and fake credentials for the test's duration.
- ``moto_secrets``: ``MotoSecrets`` bound to that server (create/put/delete secrets, IAM users).
- ``moto_parameters``: ``MotoParameters`` bound to that server (SSM Parameter Store).

Every test, with or without these fixtures, runs with fake credentials, instance metadata
disabled, no shared config files and ``AWS_ENDPOINT_URL`` on a closed local port, so no test
can ever reach real AWS by accident.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localkube.moto import MotoParameters, MotoSecrets, MotoServer, fake_aws_env

# A local port nothing listens on (discard): accidental AWS calls fail fast, locally.
_NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a dead local endpoint for every test."""
    for name, value in fake_aws_env(_NOWHERE).items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def moto_server_session() -> Iterator[MotoServer]:
    """One moto server for the whole test session."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def moto_server(
    moto_server_session: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MotoServer]:
    """The session's moto server, empty, with the AWS environment pointing at it."""
    moto_server_session.reset()
    for name, value in moto_server_session.env().items():
        monkeypatch.setenv(name, value)
    yield moto_server_session
    moto_server_session.disable_iam_auth()


@pytest.fixture
def moto_secrets(moto_server: MotoServer) -> MotoSecrets:
    """Helpers to create secrets and IAM users in ``moto_server``."""
    return MotoSecrets(moto_server.url)


@pytest.fixture
def moto_parameters(moto_server: MotoServer) -> MotoParameters:
    """Helpers to create and change SSM parameters in ``moto_server``."""
    return MotoParameters(moto_server.url)
