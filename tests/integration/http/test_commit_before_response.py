"""A route commits before its response is sent: a commit that fails answers 503 and nothing is stored.

PostgreSQL refuses the commit itself here: a deferred constraint trigger on `event` raises at COMMIT,
after the publish hook's handler has run and built its 202.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import make_engine, unit_of_work
from tests.integration.http.test_publish_hook import POST, _post, _stored
from tests.support.databases import PostgresDatabases
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import web_app

REFUSE_AT_COMMIT = [
    """CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$""",
    """CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON event
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()""",
]


@pytest.fixture
def pg_sessions(postgres: PostgresDatabases) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = postgres.create()
    engine = make_engine(url, pool_size=2)
    yield url, sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    postgres.drop(url)


def test_a_commit_that_fails_after_the_hook_ran_answers_503_and_stores_nothing(
    pg_sessions: tuple[str, sessionmaker[Session]],
) -> None:
    url, sessions = pg_sessions
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        subscriber(uow.session, network, "a@dept.gov.uk", [news])
        secret = network.webhook_secret
        for statement in REFUSE_AT_COMMIT:
            uow.session.execute(text(statement))
    web = web_app(url, sessions)
    body = json.dumps(POST).encode()

    refused = _post(web, secret, body)
    assert refused.status_code == 503  # type: ignore[attr-defined]
    assert refused.headers["Retry-After"] == "30"  # type: ignore[attr-defined]
    assert "Nothing was stored" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert "queued" not in refused.text  # type: ignore[attr-defined]
    assert _stored(sessions) == (0, 0) and web.queue.fanouts == []

    with unit_of_work(sessions) as uow:
        uow.session.execute(text("DROP TRIGGER refuse_commit ON event"))
    accepted = _post(web, secret, body)  # the site retries; now it is stored, once
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"  # type: ignore[attr-defined]
    assert _stored(sessions) == (1, 1) and len(web.queue.fanouts) == 1
