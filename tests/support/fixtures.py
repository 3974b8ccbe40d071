"""Pytest fixtures around the Notify sandbox, for test modules that import them:

    from tests.support.fixtures import notify_sandbox  # noqa: F401 - a fixture

`notify_sandbox` is one plain sandbox per test module; start_sandbox() gives a specially configured one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sandbox import RunningSandbox, start_sandbox


@pytest.fixture(scope="module")
def notify_sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox() as sandbox:
        yield sandbox
