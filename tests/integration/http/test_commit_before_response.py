"""A route commits before its response is sent: a commit that fails answers 503 and nothing is stored.

PostgreSQL refuses the commit itself here: a deferred constraint trigger on `event` raises at COMMIT,
after the publish hook's handler has run and built its 202.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import unit_of_work
from tests.integration.http.test_publish_hook import POST, _post, _stored
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import web_app

REFUSE_AT_COMMIT = [
    """CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$""",
    """CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON event
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()""",
]


def test_a_commit_that_fails_after_the_hook_ran_answers_503_and_stores_nothing(
    pg_sessions: sessionmaker[Session],
) -> None:
    """On a database of its own (`pg_sessions`), so the COMMIT that fails is a real one."""
    sessions = pg_sessions
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        subscriber(uow.session, network, "a@dept.gov.uk", [news])
        secret = network.webhook_secret
        for statement in REFUSE_AT_COMMIT:
            uow.session.execute(text(statement))
    web = web_app(sessions)
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
