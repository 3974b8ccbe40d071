"""The network's own Notify service in the browser on both databases, against the real client and
the Notify sandbox: keys typed into password fields are stored encrypted and never come back (page,
redirect, audit or log), the connection check says what Notify answered, and going back to the
deployment's service is confirmed first. A bad entry names its field and stores nothing."""

from __future__ import annotations

import uuid
from html import unescape

import httpx2
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import NetworkNotifyService
from notifier.db.session import unit_of_work
from tests.integration.admin_web.settings_support import (
    ADMIN,
    TEMPLATE,
    audit_trail,
    fake_key,
    post_form,
    two_networks,
)
from tests.integration.admin_web.support import AdminWeb, sign_in
from tests.support.fixtures import notify_sandbox  # noqa: F401 - a fixture
from tests.support.sandbox import RunningSandbox

PAGE = "/admin/alpha/settings/notify"
TOKEN = "the-networks-own-bearer-token"


@pytest.fixture
def web(
    sessions: sessionmaker[Session],
    notify_sandbox: RunningSandbox,  # noqa: F811
) -> AdminWeb:
    return two_networks(sessions, notify_base_url=notify_sandbox.base_url, notify_timeout_seconds=5)


def _stored(web: AdminWeb) -> list[str]:
    """Every column of the stored service rows, as text."""
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(text("SELECT * FROM network_notify_service")).mappings().all()
        return [" ".join(str(value) for value in row.values()) for row in rows]


def _never_shown(secrets: list[str], responses: list[httpx2.Response], web: AdminWeb, logged: str) -> None:
    seen = [r.text + " ".join(f"{k}: {v}" for k, v in r.headers.items()) for r in responses]
    audit = [str(detail) for _, _, detail in audit_trail(web)]
    for secret in secrets:
        tail = secret[-36:]  # a key's own secret part
        for where, texts in (("a response", seen), ("the audit", audit), ("the database", _stored(web))):
            assert all(tail not in t for t in texts), f"{where} shows a secret"
        assert tail not in logged, "a log line shows a secret"


def test_set_check_and_stop_using_the_networks_own_service(
    web: AdminWeb,
    notify_sandbox: RunningSandbox,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    live, test = notify_sandbox.key("live"), notify_sandbox.key("test")
    first = alice.get(PAGE)
    assert "The deployment&#39;s Notify service" in first.text and "Check connection" not in first.text
    saved = post_form(
        alice, PAGE, PAGE, api_key_live=live, api_key_test=test, sending_key="test",
        template_id=notify_sandbox.template_id, callback_token=TOKEN,
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?done=set"
    shown = alice.get(saved.headers["location"])
    page = unescape(shown.text)
    assert "Live, Test" in page and "The network's own (only a hash of it is kept)" in page
    assert 'type="password"' in shown.text and "Stored. Leave it blank to keep it." in page
    with unit_of_work(web.sessions) as uow:
        row = uow.session.scalars(select(NetworkNotifyService)).one()
        assert row.sending_key.value == "test" and row.checked_at is None

    checked = post_form(alice, PAGE, f"{PAGE}/check")
    assert checked.status_code == 200 and "accepted the key and has the template" in checked.text
    assert 'id="check-result">Notify service' in checked.text  # the banner holds it as HTML, once
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(NetworkNotifyService.checked_at)).one() is not None
    # Keys left blank keep the stored ones; a template the service does not have fails the check.
    changed = post_form(alice, PAGE, PAGE, sending_key="live", template_id=str(uuid.uuid4()))
    assert changed.status_code == 303
    failed = post_form(alice, PAGE, f"{PAGE}/check")
    assert failed.status_code == 200 and "The check did not pass" in failed.text
    assert "Notify answered 400" in failed.text or "Notify answered 404" in failed.text, failed.text

    confirm = alice.get(f"{PAGE}/clear")
    assert confirm.status_code == 200 and "Stop using the network" in unescape(confirm.text)
    cleared = post_form(alice, f"{PAGE}/clear", f"{PAGE}/clear")
    assert cleared.status_code == 303 and cleared.headers["location"] == f"{PAGE}?done=cleared"
    assert _stored(web) == []
    assert alice.get(f"{PAGE}/clear", follow_redirects=False).headers["location"] == PAGE
    again = post_form(alice, PAGE, f"{PAGE}/clear")
    assert again.headers["location"] == f"{PAGE}?done=none"
    trail = [(action, actor, detail) for action, actor, detail in audit_trail(web) if "notify" in action]
    assert [(action, detail) for action, _, detail in trail] == [
        ("notify_service.set", {"sending_key": "test"}),
        ("notify_service.checked", {"ok": True}),
        ("notify_service.set", {"sending_key": "live"}),
        ("notify_service.checked", {"ok": False}),
        ("notify_service.cleared", {}),
    ]
    assert all(actor.startswith("admin:") for _, actor, _ in trail)
    captured = capsys.readouterr()
    _never_shown(
        [live, test, TOKEN + "-" * 10],
        [first, saved, shown, checked, changed, failed, confirm, cleared],
        web,
        captured.out + captured.err,
    )
    assert TOKEN not in shown.text + checked.text


OTHER_SERVICE = "0f0f0f0f-ab16-4eb0-8407-a37497a57506"


LIVE = fake_key("l")


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"api_key_live": "not-a-key"}, "api_key_live", "Live key: a Notify API key ends with"),
        (
            {"api_key_live": LIVE, "api_key_team": fake_key("t", OTHER_SERVICE)},
            "api_keys",
            "API keys: the keys belong to different",
        ),
        ({"api_key_team": fake_key("t")}, "api_key_live", "Live key: the key that sends must be"),
        ({}, "api_keys", "API keys: enter at least the key that sends"),
        ({"api_key_live": LIVE, "template_id": "nope"}, "template_id", "Template id: must be a Notify id"),
        ({"api_key_live": LIVE, "reply_to_id": "nope"}, "reply_to_id", "Reply-to id: must be a Notify id"),
        ({"api_key_live": LIVE, "callback_token": "short"}, "callback_token", "Callback bearer token: must"),
        ({"api_key_live": LIVE, "sending_key": "gold"}, "sending_key", "Select which key sends"),
    ],
)
def test_a_bad_entry_names_its_field_stores_nothing_and_echoes_no_secret(
    web: AdminWeb, form: dict[str, str], field: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    sent = {"sending_key": "live", "template_id": TEMPLATE, **form}
    refused = post_form(alice, PAGE, PAGE, **sent)
    assert refused.status_code == 400 and f'href="#{field}"' in refused.text
    assert message in unescape(refused.text), refused.text
    assert f'value="{sent["template_id"]}"' in refused.text  # what is not secret comes back
    assert _stored(web) == [] and not [a for a, _, _ in audit_trail(web) if "notify" in a]
    secrets = [value for name, value in form.items() if name.startswith("api_key_") and len(value) > 36]
    captured = capsys.readouterr()
    _never_shown(secrets, [refused], web, captured.out + captured.err)
    assert all(f'value="{value}"' not in refused.text for name, value in form.items() if "key_" in name)
    assert 'value="short"' not in refused.text
