"""The person whose requests the tests make, on each database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.rights.flow import Person, make_person


@pytest.fixture
def person(sessions: sessionmaker[Session]) -> Person:
    return make_person(sessions)
