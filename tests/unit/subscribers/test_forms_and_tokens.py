"""The sign-up form's checks, how domain rules read, confirmation links and CSRF tokens (no I/O)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from notifier.db.models import Network, Topic
from notifier.services.common.tokens import ExpiredToken, InvalidToken, TokenPurpose, TokenSigner
from notifier.services.subscribers.addresses import readable_domains
from notifier.services.subscribers.signup_form import SignupForm, check_signup, eligibility_statement
from notifier.services.subscribers.signups import ConfirmLinks, ConfirmRef
from notifier.web import csrf
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates


def _network(**settings: object) -> Network:
    return Network(
        id=1,
        slug="alpha",
        name="Alpha Network",
        allowed_email_domains=["*.gov.uk", "nhs.net"],
        privacy_notice_version="v2",
        settings=dict(settings),
    )


TOPICS = [
    Topic(id=1, network_id=1, slug="news", name="News", members_only=False),
    Topic(id=2, network_id=1, slug="business", name="Network business", members_only=True),
]


def _form(**fields: object) -> SignupForm:
    values: dict[str, object] = {
        "name": "  Pat   Lee ",
        "email": " Pat.Lee@Justice.GOV.UK ",
        "topics": ["news"],
        "frequency": "daily",
        "consent": True,
    }
    values.update(fields)
    return SignupForm(**values)  # type: ignore[arg-type]


def test_a_good_form_is_cleaned_and_normalised() -> None:
    checked, errors = check_signup(_network(), TOPICS, _form())
    assert errors == {} and checked is not None
    assert (checked.name, checked.email, [t.slug for t in checked.topics]) == (
        "Pat Lee",
        "pat.lee@justice.gov.uk",
        ["news"],
    )


def test_an_empty_form_gets_an_error_for_every_question_in_page_order() -> None:
    _, errors = check_signup(_network(), TOPICS, SignupForm())
    assert list(errors) == ["name", "email", "topics", "frequency", "consent"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "pat@gmail.com"}, "email", "only accepts addresses ending in .gov.uk or @nhs.net"),
        ({"email": "not an address"}, "email", "correct format"),
        ({"topics": ["business"]}, "topics", "Select topics from the list"),  # members only: not on offer
        ({"frequency": "hourly"}, "frequency", "how often"),
        ({"consent": False}, "consent", "privacy notice"),
        ({"membership": True, "topics": []}, "eligible", "can join"),
    ],
)
def test_each_problem_is_named_on_its_field(fields: dict[str, object], field: str, message: str) -> None:
    _, errors = check_signup(_network(), TOPICS, _form(**fields))
    assert list(errors) == [field] and message in errors[field]


def test_a_request_to_join_asks_how_often_only_when_a_topic_is_ticked() -> None:
    no_topics = _form(membership=True, eligible=True, topics=[], frequency="")
    checked, errors = check_signup(_network(), TOPICS, no_topics)
    assert errors == {} and checked is not None and checked.topics == []
    _, errors = check_signup(_network(), TOPICS, _form(membership=True, eligible=True, frequency=""))
    assert list(errors) == ["frequency"]


def test_joining_needs_no_topic_and_uses_the_networks_eligibility_statement() -> None:
    checked, errors = check_signup(_network(), TOPICS, _form(topics=[], membership=True, eligible=True))
    assert errors == {} and checked is not None and checked.topics == []
    assert "central government" in eligibility_statement(_network())
    assert eligibility_statement(_network(membership_eligibility="NHS staff")) == "NHS staff"


def test_domain_rules_read_as_people_say_them() -> None:
    assert readable_domains(["*.gov.uk"]) == ".gov.uk"
    assert readable_domains(["*.gov.uk", "nhs.net", "mod.uk"]) == ".gov.uk, @nhs.net or @mod.uk"


def test_confirmation_links_carry_ids_only_serve_one_purpose_and_expire() -> None:
    links = ConfirmLinks.build("k" * 32, "https://notifier.example.gov.uk/", 7)
    url = links.url(ConfirmRef(1, 2, 3))
    token = url.rsplit("/", 1)[1]
    assert url.startswith("https://notifier.example.gov.uk/confirm/") and "@" not in url
    assert links.read(token) == ConfirmRef(1, 2, 3)
    other_purpose = TokenSigner("k" * 32).sign(TokenPurpose.MANAGE, {"n": 1, "s": 2, "g": 3})
    with pytest.raises(InvalidToken):
        links.read(other_purpose)
    with time_machine.travel(timedelta(days=8), tick=False), pytest.raises(ExpiredToken):
        links.read(token)


def test_csrf_accepts_only_the_signed_cookie_value() -> None:
    settings = make_settings(secret_key="s" * 40)
    app = FastAPI()

    @app.get("/form")
    def form(request: Request) -> dict[str, str]:
        token = csrf.issue(request, settings)
        return {"cookie": token.cookie_value, "field": token.form_value}

    @app.post("/check")
    def check(request: Request, value: str) -> dict[str, bool]:
        return {"ok": csrf.is_valid(request, settings, value)}

    client = TestClient(app)
    issued = client.get("/form").json()
    client.cookies.set(csrf.COOKIE_NAME, issued["cookie"])
    assert client.post("/check", params={"value": issued["field"]}).json() == {"ok": True}
    assert client.post("/check", params={"value": "forged"}).json() == {"ok": False}
    client.cookies.set(csrf.COOKIE_NAME, "x" * 43)
    assert client.post("/check", params={"value": issued["field"]}).json() == {"ok": False}
