"""Fixtures for the sandbox's own tests: a plain sandbox per module, and config files."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.sandbox import RunningSandbox, start_sandbox

BODY = {"subject": "Forum readout", "body": "# Heading\n\n* one\n* two"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[dict[str, Any]], str]:
    """Write a JSON sandbox config file and return its path."""

    def write(data: dict[str, Any]) -> str:
        path = tmp_path / f"sandbox-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    return write
