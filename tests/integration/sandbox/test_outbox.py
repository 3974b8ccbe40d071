# mypy: disable-error-code="no-untyped-call"
"""What a real inbox would get (outbox.json and the HTML page), the ledger, and their scale."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import requests
from notifications_python_client.authentication import create_jwt_token

from notify_sandbox import KeyType, Outcome, SandboxConfig, build_app
from notify_sandbox.state.store import StoredNotification
from tests.integration.sandbox.conftest import BODY
from tests.integration.sandbox.receiver import run_receiver
from tests.support.sandbox import RunningSandbox, start_sandbox

RICH = {
    "subject": 'Minutes: "June" - draft',
    "body": "# Minutes\n\nHello <b>all</b>\n\n* one\n* two\n\n"
    "^ Inset\n\n---\n\n[Unsubscribe](https://example.gov.uk/u/1)",
}


def send(
    sandbox: RunningSandbox, to: str, reference: str | None = None, kind: str = "test", **extra: Any
) -> str:
    response = sandbox.client(kind).send_email_notification(
        to,
        sandbox.template_id,
        personalisation=extra.pop("personalisation", BODY),
        reference=reference,
        **extra,
    )
    notification_id: str = response["id"]
    return notification_id


def test_outbox_records_what_the_inbox_would_get() -> None:
    with start_sandbox("--reply-to", "office@example.gov.uk") as sandbox:
        notification_id = send(
            sandbox,
            "Reader@example.gov.uk",
            "ref-1",
            kind="live",
            personalisation=RICH,
            one_click_unsubscribe_url="https://example.gov.uk/u/1",
        )
        (entry,) = sandbox.outbox()
        assert (
            entry["id"] == notification_id and entry["key_type"] == "normal" and entry["reference"] == "ref-1"
        )
        assert entry["to"] == "Reader@example.gov.uk"
        assert entry["subject"] == "Minutes: \u201cJune\u201d \u2013 draft"
        assert entry["body"] == RICH["body"]
        assert entry["headers"] == {
            "From": '"Notifier sandbox" <notifier.sandbox@notifications.service.gov.uk>',
            "To": "Reader@example.gov.uk",
            "Subject": entry["subject"],
            "Reply-To": "office@example.gov.uk",
            "List-Unsubscribe": "<https://example.gov.uk/u/1>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        html_part, text_part = entry["html"], entry["text"]
        assert html_part.startswith("<!DOCTYPE html>") and "<h2 " in html_part and "<blockquote " in html_part
        assert "Hello &lt;b&gt;all&lt;/b&gt;" in html_part and "<hr " in html_part
        assert 'href="https://example.gov.uk/u/1">Unsubscribe</a>' in html_part
        assert text_part.startswith("Minutes\n" + "=" * 65)
        assert "Hello <b>all</b>" in text_part and "\u2022 one\n\u2022 two" in text_part
        assert "Unsubscribe: https://example.gov.uk/u/1" in text_part
        assert entry["status"] in ("created", "sending", "delivered") and entry["created_at"].endswith("Z")


def test_no_list_unsubscribe_headers_without_a_url(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    send(sandbox, "a@example.gov.uk", reference)
    (entry,) = sandbox.outbox(reference=reference)
    assert "List-Unsubscribe" not in entry["headers"] and "List-Unsubscribe-Post" not in entry["headers"]


def test_filters_paging_and_order() -> None:
    with start_sandbox() as sandbox:
        sent = [send(sandbox, f"p{i % 3}@example.gov.uk", f"ref-{i}") for i in range(7)]
        assert [e["id"] for e in sandbox.outbox()] == sent[::-1]
        assert [e["id"] for e in sandbox.outbox(to="P1@example.gov.uk")] == [sent[4], sent[1]]
        assert [e["id"] for e in sandbox.outbox(reference="ref-2")] == [sent[2]]
        page = sandbox.outbox_page(limit=3)
        assert [e["id"] for e in page["entries"]] == sent[:3:-1] and page["total"] == 7
        page = sandbox.outbox_page(limit=3, cursor=page["next_cursor"])
        assert [e["id"] for e in page["entries"]] == sent[3:0:-1]
        rest = sandbox.outbox_page(limit=3, cursor=page["next_cursor"])
        assert [e["id"] for e in rest["entries"]] == [sent[0]] and rest["next_cursor"] is None
        oldest = sandbox.outbox_page(limit=4, order="oldest")
        assert [e["id"] for e in oldest["entries"]] == sent[:4]
        assert [e["id"] for e in sandbox.outbox(order="oldest", cursor=oldest["next_cursor"])] == sent[4:]
        assert "html" not in sandbox.outbox(render="false")[0]


def test_ledger_counts_duplicates_recipients_and_statuses() -> None:
    with start_sandbox() as sandbox:
        send(sandbox, "a@example.gov.uk", "d-1")
        send(sandbox, "A@Example.gov.uk", "d-1")
        send(sandbox, "b@example.gov.uk", "d-2")
        send(sandbox, "perm-fail@simulator.notify", "d-3", kind="live")
        ledger = sandbox.ledger()
        assert ledger["total"] == 4
        assert ledger["duplicate_references"] == {"d-1": 2}
        assert ledger["repeated_recipients"] == {"a@example.gov.uk": 2}
        assert ledger["by_key_type"] == {"normal": 1, "team": 0, "test": 3}
        assert (ledger["distinct_recipients"], ledger["distinct_references"]) == (3, 3)
        assert sum(ledger["by_status"].values()) == 4
        assert sandbox.ledger(to="A@example.gov.uk")["to"]["count"] == 2
        assert sandbox.ledger(recipients="true")["by_recipient"]["b@example.gov.uk"] == 1
        sandbox.advance(1)  # past the final status of each (0.5 s after it was created, by default)
        assert sandbox.ledger()["by_status"] == {"delivered": 3, "permanent-failure": 1}
        sandbox.reset()
        assert sandbox.ledger()["total"] == 0 and sandbox.outbox() == []


def test_outbox_page_shows_each_email(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    notification_id = send(
        sandbox,
        "page@example.gov.uk",
        reference,
        personalisation=RICH,
        one_click_unsubscribe_url="https://example.gov.uk/u/1",
    )
    page = requests.get(sandbox.url("/_sandbox/outbox"), params={"reference": reference}, timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert f'id="n-{notification_id}"' in text and "page@example.gov.uk" in text
    assert "Minutes: \u201cJune\u201d \u2013 draft" in text
    assert "List-Unsubscribe-Post" in text and "<iframe sandbox=" in text and "<pre>" in text
    assert f'action="/_sandbox/outbox/{notification_id}/unsubscribe"' in text
    assert "<script" not in text and "http://" not in text.replace("http://127.0.0.1", "")
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    )  # readable on a phone
    assert "Test key" in text  # key types named as Notify's API keys page names them
    live = send(sandbox, "live@example.gov.uk", str(uuid.uuid4()), kind="live")
    shown = requests.get(
        sandbox.url("/_sandbox/outbox"), params={"to": "live@example.gov.uk"}, timeout=5
    ).text
    assert f'id="n-{live}"' in shown and "Live key" in shown
    assert KeyType.TEAM.docs_name == "Team and guest list"  # a team key needs a team member to send to


def test_unsubscribe_button_posts_one_click_like_a_mail_client(tmp_path: Path) -> None:
    with run_receiver(tls_directory=tmp_path, path="/u/abc?opaque=1") as receiver, start_sandbox() as sandbox:
        notification_id = send(sandbox, "a@example.gov.uk", one_click_unsubscribe_url=receiver.url)
        response = requests.post(
            sandbox.url(f"/_sandbox/outbox/{notification_id}/unsubscribe"), timeout=10, allow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"].endswith(f"#n-{notification_id}")
        (received,) = receiver.wait_for(1)
        assert (received.method, received.path, received.body) == (
            "POST",
            "/u/abc?opaque=1",
            b"List-Unsubscribe=One-Click",
        )
        assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert "Authorization" not in received.headers and "Cookie" not in received.headers
        assert sandbox.outbox()[0]["unsubscribe_result"] == "200 OK"
        assert (
            "Unsubscribe request answered: <strong>200 OK</strong>"
            in requests.get(sandbox.url("/_sandbox/outbox"), timeout=5).text
        )


def _fill(app: Any, count: int) -> list[StoredNotification]:
    state = app.state
    template = state.config.generic_template()
    rows = []
    for i in range(count):
        notification = StoredNotification(
            seq=state.store.next_seq(),
            id=str(uuid.uuid4()),
            key_type=KeyType.TEST,
            email_address=f"member{i % 50_000}@example.gov.uk",
            reference=f"ref-{i}",
            template=template,
            personalisation=BODY,
            subject=BODY["subject"],
            body=BODY["body"],
            one_click_unsubscribe_url=None,
            reply_to=None,
            created_at=state.clock.now(),
            outcome=Outcome.DELIVERED,
        )
        state.store.add(notification)
        rows.append(notification)
    return rows


def test_outbox_ledger_and_lists_answer_correctly_with_100_000_emails() -> None:
    """Paging and filters stay indexed, not scanned into wrong answers, at a bulk send's size (how fast
    they are is for bench/, not for a test)."""
    config = SandboxConfig.generate(seed=1)
    app = build_app(config)
    rows = _fill(app, 100_000)
    client_key = config.key_string(KeyType.TEST)

    async def answers() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        found: dict[str, Any] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            auth = {"Authorization": f"Bearer {create_jwt_token(client_key[-36:], client_key[-73:-37])}"}
            for name, url, headers in [
                ("outbox", "/_sandbox/outbox.json?limit=100", {}),
                ("outbox cursor", f"/_sandbox/outbox.json?limit=100&cursor={rows[50_000].seq}", {}),
                ("outbox by reference", "/_sandbox/outbox.json?reference=ref-99999", {}),
                ("outbox by recipient", "/_sandbox/outbox.json?to=member7@example.gov.uk", {}),
                ("ledger", "/_sandbox/ledger.json", {}),
                ("api list", f"/v2/notifications?older_than={rows[60_000].id}", auth),
                ("api reference", "/v2/notifications?reference=ref-5", auth),
                ("page", "/_sandbox/outbox", {}),
            ]:
                response = await client.get(url, headers=headers)
                assert response.status_code == 200, (name, response.text[:200])
                found[name] = response.text if name == "page" else response.json()
        return found

    found = asyncio.run(answers())
    newest = found["outbox"]["entries"]
    assert len(newest) == 100 and newest[0]["reference"] == "ref-99999"
    older = found["outbox cursor"]["entries"]
    assert len(older) == 100 and older[0]["reference"] == "ref-49999"
    assert [e["reference"] for e in found["outbox by reference"]["entries"]] == ["ref-99999"]
    assert {e["reference"] for e in found["outbox by recipient"]["entries"]} == {"ref-7", "ref-50007"}
    assert found["ledger"]["total"] == 100_000 and found["ledger"]["duplicate_references"] == {}
    listed = found["api list"]["notifications"]
    assert len(listed) == 250 and listed[0]["reference"] == "ref-59999"
    assert [n["reference"] for n in found["api reference"]["notifications"]] == ["ref-5"]
    assert "Showing 50" in found["page"]  # the page shows the newest 50, not all 100,000
