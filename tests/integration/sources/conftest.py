"""Fixtures of the event-source tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.admin_api import Admins, build_admins


@pytest.fixture
def admins(request: pytest.FixtureRequest, sessions: sessionmaker[Session]) -> Admins:
    if request.node.get_closest_marker("own_database"):  # the CLI beside the app finds the database
        return build_admins(sessions, database_url=request.getfixturevalue("isolated_database_url"))
    return build_admins(sessions)
