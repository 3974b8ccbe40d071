"""Fixtures of the event-source tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.admin_api import Admins, build_admins


@pytest.fixture
def admins(database_url: str, sessions: sessionmaker[Session]) -> Admins:
    return build_admins(database_url, sessions)
