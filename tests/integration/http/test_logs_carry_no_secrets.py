"""A person follows every kind of signed link on a real fleet (`notifier web`, worker and beat, with the
sandbox as Notify); then every log file the fleet wrote is scanned: no token, no address, no name, no
department and no client address may be in any of them."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.config import Settings
from notifier.db.models import Subscriber, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.tokens import TokenPurpose, TokenSigner
from tests.integration.subscribers.forms import CSRF_FIELD
from tests.support.databases import SqliteTemplate
from tests.support.fleet import fleet_env, free_port, running_fleet, wait_until_finished
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.seeding import network_with_topics
from tests.support.settings import make_settings
from workers.task_names import TaskName

NAME = "Rowan Quillfeather"
EMAIL = "rowan.quillfeather@justice.gov.uk"
NEW_EMAIL = "rowan.q.feather@justice.gov.uk"
DEPARTMENT = "Department for Logscanning"
TOKEN = r"[A-Za-z0-9_.\-]{20,}"
CLIENT_ADDRESS = re.compile(r"127\.0\.0\.1:\d+ - \"|client=")


class Visitor:
    """A browser without JavaScript: keeps cookies, reads CSRF tokens, collects every token it used."""

    def __init__(self, base_url: str, sandbox: RunningSandbox) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)
        self.sandbox = sandbox
        self.tokens: set[str] = set()

    def get(self, path: str, status: int = 200) -> httpx.Response:
        answer = self.http.get(path)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:500])
        return answer

    def post_form(self, path: str, status: int = 303, **fields: object) -> httpx.Response:
        found = CSRF_FIELD.search(self.get(path).text)
        assert found, f"no CSRF token on {path}"
        answer = self.http.post(path, data={**fields, "csrf_token": found.group(1)})
        assert answer.status_code == status, (path, answer.status_code, answer.text[:500])
        return answer

    def emailed_link(self, to: str, path_pattern: str, timeout: float = 60) -> str:
        """The path of a link matching the pattern, in an email to `to` not read before."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.sandbox.outbox(to=to):
                for found in re.finditer(rf"https?://[^/\s)]+({path_pattern})", str(entry["body"])):
                    path = found.group(1)
                    token = path.split("/")[-1]
                    if token not in self.tokens:
                        self.tokens.add(token)
                        return path
            time.sleep(0.3)
        raise AssertionError(f"no new email to {to} with a link like {path_pattern}")

    def signed(self, link: str) -> str:
        path = httpx.URL(link).path
        self.tokens.add(path.split("/")[-1])
        return path


def test_following_every_signed_link_leaves_no_token_or_personal_detail_in_any_log(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    database_url = sqlite_template.create(tmp_path)
    engine = make_engine(database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha", ["news"])
        network_id = network.id
    web_port, callback_token = free_port(), secrets.token_urlsafe(16)
    callback = [
        "--callback-url",
        f"http://127.0.0.1:{web_port}/notify/receipts",
        "--callback-token",
        callback_token,
    ]
    log_dir = tmp_path / "logs"
    with start_sandbox(*callback, "--rate-limit", "100000") as sandbox:
        env = fleet_env(
            database_url=database_url,
            broker_url=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
            redis_url=None,
            var_dir=tmp_path,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token=callback_token,
        )
        settings = make_settings(
            secret_key=env["NOTIFIER_SECRET_KEY"],
            public_base_url=env["NOTIFIER_PUBLIC_BASE_URL"],
            one_click_base_url=env["NOTIFIER_ONE_CLICK_BASE_URL"],
        )
        with running_fleet(env, log_dir, web_port) as fleet:
            person = Visitor(fleet.web_url, sandbox)
            _sign_up_and_confirm(person)
            with unit_of_work(sessions) as uow:
                subscriber = uow.session.scalars(select(Subscriber).where(Subscriber.email == EMAIL)).one()
                topic_id = uow.session.scalars(select(Topic.id).where(Topic.network_id == network_id)).first()
                ref = SubscriberRef(network_id, subscriber.id, topic_id)
            links = LinkBuilder.from_settings(settings)
            manage = person.signed(links.manage_url(ref))
            person.get(manage)
            _ask_for_access_and_download(person, manage)
            _change_address(person, manage)
            _open_meeting_links(person, settings, network_id)
            person.get(person.signed(links.unsubscribe_url(ref)))
            one_click = person.signed(links.one_click_unsubscribe_url(ref))
            assert person.http.post(one_click, content=b"List-Unsubscribe=One-Click").status_code == 200
            person.post_form("/contact/alpha", name=NAME, email=EMAIL, message=f"From {DEPARTMENT}")
            person.get(f"/healthz?token={next(iter(person.tokens))}")
            # The enquiry forwarded and every email sent, so the logs hold all that happened.
            fleet.wait_for_task_runs(TaskName.FORWARD_ENQUIRIES.value, 2)
            wait_until_finished(sessions, fleet)
    engine.dispose()

    logs = {path.name: path.read_text(errors="replace") for path in log_dir.rglob("*") if path.is_file()}
    assert logs and any("http.request" in text for text in logs.values()), "the access log is missing"
    everything = "\n".join(logs.values())
    assert "path='/preferences/{token}'" in everything and "path='/rights/export/{token}.{fmt}'" in everything
    # confirm, preferences, two verifications, email change, meeting, unsubscribe (one-click is the same)
    assert len(person.tokens) >= 7
    for name, text in logs.items():
        for token in person.tokens:
            assert token not in text, f"a signed token is in {name}"
            assert token.rsplit(".", 1)[-1] not in text, f"a token's signature is in {name}"
        for detail in (NAME, EMAIL, NEW_EMAIL, DEPARTMENT, "quillfeather", "Quillfeather"):
            assert detail not in text, f"{detail!r} is in {name}"
        assert not CLIENT_ADDRESS.search(text), f"a client address is in {name}"


def _sign_up_and_confirm(person: Visitor) -> None:
    person.post_form(
        "/subscribe/alpha",
        name=NAME,
        email=EMAIL,
        department=DEPARTMENT,
        topics=["news"],
        frequency="immediate",
        consent="yes",
    )
    confirm = person.emailed_link(EMAIL, rf"/confirm/{TOKEN}")
    person.post_form(confirm)


def _ask_for_access_and_download(person: Visitor, manage: str) -> None:
    person.post_form(f"{manage}/rights", kind="access")
    verify = person.emailed_link(EMAIL, rf"/rights/verify/{TOKEN}")
    done = person.post_form(verify).headers["location"]
    page = person.get(done).text
    for fmt in ("json", "csv"):
        assert f"/rights/export/{verify.split('/')[-1]}.{fmt}" in page
        export = person.get(f"/rights/export/{verify.split('/')[-1]}.{fmt}")
        assert EMAIL in export.text  # the export is the person's data; its link must never be in a log


def _change_address(person: Visitor, manage: str) -> None:
    rectify = person.post_form(f"{manage}/rights", kind="rectification").headers["location"]
    person.post_form(rectify, name=NAME, department=DEPARTMENT, email=NEW_EMAIL)
    person.post_form(person.emailed_link(EMAIL, rf"/rights/verify/{TOKEN}"))
    person.post_form(person.emailed_link(NEW_EMAIL, rf"/rights/email/{TOKEN}"))


def _open_meeting_links(person: Visitor, settings: Settings, network_id: int) -> None:
    """A meeting link names the meeting; one that no longer exists is still a token in the path."""
    signer = TokenSigner(settings.secret_key.get_secret_value())
    token = signer.sign(TokenPurpose.MEETING, {"n": network_id, "m": 424242})
    person.tokens.add(token)
    for suffix in ("", "/calendar.ics", "/join"):
        assert person.http.get(f"/meetings/{token}{suffix}").status_code in (200, 404, 410)
