"""Steering-group turnover on both databases, with a controlled clock and each boundary one second
before, at and after it: the floor (two people who can approve, one admin) refuses removing or
demoting the last ones with the reason; a term of office ends by itself, after a reminder two weeks
before to the person and the admins, unless ending it would break the floor; the quarterly access
review reaches the admins at midnight in London; an admin not signed in for six months is suspended,
told how to come back, and reinstated by another admin; the team exported as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AdminMember, AuditRecord, Delivery, Message, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin.turnover import TurnoverPolicy, TurnoverRun, run_turnover
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics

pytestmark = pytest.mark.dates

ADA, ALI, BEA, EDD = (
    "ada.admin@cabinetoffice.gov.uk",
    "ali.approver@hmrc.gov.uk",
    "bea.approver@dwp.gov.uk",
    "edd.editor@justice.gov.uk",
)
# Thursday 1 April 2027 begins at 23:00 UTC on 31 March: British Summer Time.
Q2 = datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
T0 = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    """Alpha: Ada (admin), Ali (approver), Edd (editor), all invited at T0."""
    with time_machine.travel(T0, tick=False):
        with unit_of_work(sessions) as uow:
            network_with_topics(uow.session, "alpha", ["news"])
        admin_web = make_admin_web(sessions)
        for email, role, name in (
            (ADA, AdminRole.ADMIN, "Ada Admin"),
            (ALI, AdminRole.APPROVER, "Ali Approver"),
            (EDD, AdminRole.EDITOR, "Edd Editor"),
        ):
            invite(admin_web, "alpha", email, role, name=name)
    return admin_web


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    """Every test runs from T0, whatever day it is run on."""
    with time_machine.travel(T0 + timedelta(minutes=1), tick=True):
        yield


def _turnover(web: AdminWeb, at: datetime) -> TurnoverRun:
    """What beat's event-sources task does, at `at`."""
    with time_machine.travel(at, tick=False), unit_of_work(web.sessions) as uow:
        return run_turnover(uow, web.queue, TurnoverPolicy.from_settings(web.settings), at)


def _member(web: AdminWeb, email: str) -> AdminMember:
    with unit_of_work(web.sessions) as uow:
        query = select(AdminMember).join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        return uow.session.scalars(query.where(Subscriber.email == email)).one()


def _emails(web: AdminWeb, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(recipient, context) of every queued email of a kind."""
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, Message.context)
            .join(Delivery, Delivery.message_id == Message.id)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Message.email_kind == kind)
            .order_by(Message.id)
        ).all()
    return [(email, context) for email, context in rows]


def _actions(web: AdminWeb, action: str) -> list[dict[str, object]]:
    with unit_of_work(web.sessions) as uow:
        query = select(AuditRecord.detail).where(AuditRecord.action == action).order_by(AuditRecord.id)
        return list(uow.session.scalars(query))


def test_the_last_people_who_can_approve_and_the_last_admin_cannot_be_removed(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADA)
    team = "/admin/alpha/team"
    ali_id, ada_id = _member(web, ALI).id, _member(web, ADA).id
    for step, data in (("remove", {"confirmed": "yes"}), ("role", {"role": "editor"})):
        refused = ada.post(f"{team}/{ali_id}/{step}", data={"csrf_token": csrf_from(ada, team), **data})
        assert refused.status_code == 400 and "at least 2 people who can approve" in refused.text
    assert _member(web, ALI).removed_at is None and _member(web, ALI).role is AdminRole.APPROVER
    invite(web, "alpha", BEA, AdminRole.APPROVER, name="Bea Approver")  # a third: now Ali may go
    gone = ada.post(
        f"{team}/{ali_id}/remove",
        data={"csrf_token": csrf_from(ada, team), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert gone.status_code == 303 and _member(web, ALI).removed_reason == "removed"
    bea = _member(web, BEA).id
    ada.post(f"{team}/{bea}/role", data={"csrf_token": csrf_from(ada, team), "role": "admin"})
    bea_client = sign_in(web, "alpha", BEA)
    last_admin = bea_client.post(
        f"{team}/{ada_id}/role",
        data={"csrf_token": csrf_from(bea_client, team), "role": "approver"},
        follow_redirects=False,
    )
    assert last_admin.status_code == 303  # Bea is an admin too: Ada may become an approver
    refused = ada.get(team)
    assert refused.status_code == 403  # Ada is no longer an admin
    edd = _member(web, EDD).id
    editor_gone = bea_client.post(
        f"{team}/{edd}/remove",
        data={"csrf_token": csrf_from(bea_client, team), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert editor_gone.status_code == 303  # an editor counts for neither: removing them is allowed
    me = bea_client.post(
        f"{team}/{ada_id}/remove", data={"csrf_token": csrf_from(bea_client, team), "confirmed": "yes"}
    )
    assert me.status_code == 400 and "at least 2 people who can approve" in me.text  # Ada and Bea are the two


def test_a_term_ends_by_itself_after_a_reminder_two_weeks_before(web: AdminWeb) -> None:
    invite(web, "alpha", BEA, AdminRole.APPROVER, name="Bea Approver")  # so Ali's end keeps the floor
    ada = sign_in(web, "alpha", ADA)
    team = "/admin/alpha/team"
    ali_id = _member(web, ALI).id
    set_term = ada.post(
        f"{team}/{ali_id}/term",
        data={"csrf_token": csrf_from(ada, team), "term_ends": "2027-03-31"},
        follow_redirects=False,
    )
    assert set_term.status_code == 303 and _member(web, ALI).term_ends_at == Q2  # as 31 March ends in London
    reminder = Q2 - timedelta(days=14)
    assert _turnover(web, reminder - SECOND).reminded == 0
    assert _turnover(web, reminder).reminded == 1
    assert _turnover(web, reminder + SECOND).reminded == 0  # once
    told = _emails(web, "admin_term_ending")
    assert [(to, context["to_the_person"]) for to, context in told] == [(ALI, True), (ADA, False)]
    assert all(context["person_name"] == "Ali Approver" for _, context in told)
    assert _turnover(web, Q2 - SECOND).ended == 0 and _member(web, ALI).removed_at is None
    with time_machine.travel(Q2 - timedelta(minutes=10), tick=False):
        ali = sign_in(web, "alpha", ALI)
    assert _turnover(web, Q2).ended == 1
    ended = _member(web, ALI)
    assert (ended.removed_at, ended.removed_reason) == (Q2, "term_ended")
    assert _turnover(web, Q2 + SECOND).ended == 0
    with time_machine.travel(Q2 + timedelta(minutes=1), tick=False):  # her session no longer works
        assert ali.get("/admin/alpha", follow_redirects=False).status_code == 303


def test_an_end_that_would_break_the_floor_is_refused_with_the_reason(web: AdminWeb) -> None:
    with unit_of_work(web.sessions) as uow:  # Ali is one of the only two who can approve
        uow.session.get_one(AdminMember, _member(web, ALI).id).term_ends_at = Q2
    run = _turnover(web, Q2)
    assert (run.ended, run.kept) == (0, 1)
    kept = _member(web, ALI)
    assert kept.removed_at is None and kept.term_ends_at is None  # carries on, with no end date
    (refusal,) = _actions(web, "admin_term_end_refused")
    assert "at least 2 people who can approve" in str(refusal["reason"])
    assert _turnover(web, Q2 + SECOND).kept == 0  # refused once, not every minute


def test_the_quarterly_review_reaches_the_admins_at_midnight_in_london(web: AdminWeb) -> None:
    assert _turnover(web, Q2 - timedelta(days=30)).reviews == 1  # the first review: this quarter's
    assert _turnover(web, Q2 - SECOND).reviews == 0
    assert _turnover(web, Q2).reviews == 1  # 1 April, midnight BST
    assert _turnover(web, Q2 + SECOND).reviews == 0
    reviews = _emails(web, "access_review")
    assert [to for to, _ in reviews] == [ADA, ADA]  # admins only
    latest = reviews[-1][1]
    assert latest["quarter"] == "April to June 2027" and str(latest["review_url"]).endswith(
        "/alpha/team/review"
    )
    listed = [(line["name"], line["role"]) for line in latest["people"]]
    assert listed == [("Ada Admin", "admin"), ("Ali Approver", "approver")]  # admins and approvers


def test_the_review_page_confirms_or_removes_each_person_with_one_button(web: AdminWeb) -> None:
    invite(web, "alpha", BEA, AdminRole.APPROVER, name="Bea Approver")
    ada = sign_in(web, "alpha", ADA)
    review = ada.get("/admin/alpha/team/review")
    assert review.status_code == 200 and "Ali Approver" in review.text and "Edd Editor" not in review.text
    ali_id, bea_id = _member(web, ALI).id, _member(web, BEA).id
    token = csrf_from(ada, "/admin/alpha/team/review")
    confirmed = ada.post(
        f"/admin/alpha/team/{ali_id}/confirm",
        data={"csrf_token": token, "back": "review"},
        follow_redirects=False,
    )
    assert confirmed.headers["location"] == "/admin/alpha/team/review?done=confirmed"
    assert _member(web, ALI).access_confirmed_at is not None
    removed = ada.post(
        f"/admin/alpha/team/{bea_id}/remove",
        data={"csrf_token": token, "back": "review", "confirmed": "yes"},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and _member(web, BEA).removed_at is not None


def test_an_admin_not_signed_in_for_six_months_is_suspended_and_can_come_back(web: AdminWeb) -> None:
    invite(web, "alpha", BEA, AdminRole.APPROVER, name="Bea Approver")  # the floor holds without Ali
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        sign_in(web, "alpha", ALI)
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        sign_in(web, "alpha", ADA)
        sign_in(web, "alpha", BEA)
    signed_in_at = _member(web, ALI).last_signed_in_at
    assert signed_in_at is not None
    due = signed_in_at.replace(month=signed_in_at.month + 6)  # 11 August: six months on
    assert _turnover(web, due - SECOND).suspended == 1  # Edd, never signed in since 10 February
    assert _member(web, ALI).suspended_at is None
    assert _turnover(web, due).suspended == 1
    assert _member(web, ALI).suspended_at == due
    assert _turnover(web, due + SECOND).suspended == 0
    ((_to, told),) = [(to, c) for to, c in _emails(web, "admin_suspended") if to == ALI]
    assert told["inactive_for"] == "6 months" and str(told["sign_in_url"]).endswith("/admin")
    web.queue.sends.clear()
    asked = web.browser()  # a suspended person gets no sign-in link
    token = csrf_from(asked, "/admin")
    asked.post("/admin", data={"email": ALI, "csrf_token": token})
    assert web.queue.sends == []


def test_inactivity_never_suspends_the_last_people_who_can_approve(web: AdminWeb) -> None:
    due = T0.replace(month=8)  # six months after the invitations, nobody having signed in
    run = _turnover(web, due)
    assert run.suspended == 1  # Edd the editor; Ada and Ali are the floor
    assert _member(web, EDD).suspended_at == due
    assert _member(web, ADA).suspended_at is None and _member(web, ALI).suspended_at is None
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        ada = sign_in(web, "alpha", ADA)
        team = ada.get("/admin/alpha/team")
        assert "Suspended" in team.text
        edd = _member(web, EDD).id
        back = ada.post(
            f"/admin/alpha/team/{edd}/reinstate",
            data={"csrf_token": csrf_from(ada, "/admin/alpha/team")},
            follow_redirects=False,
        )
        assert back.status_code == 303
        assert _member(web, EDD).suspended_at is None
        assert sign_in(web, "alpha", EDD).get("/admin/alpha").status_code == 200


def test_the_team_as_csv_for_admins_only(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADA)
    exported = ada.get("/admin/alpha/team.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["name"], r["email"], r["role"], r["state"]) for r in rows] == [
        ("Ada Admin", ADA, "admin", "active"),
        ("Ali Approver", ALI, "approver", "active"),
        ("Edd Editor", EDD, "editor", "active"),
    ]
    assert rows[0]["invited_by"] == "the command line" and rows[0]["last_signed_in_at"]
    assert _actions(web, "team_exported") == [{"rows": 3}]
    assert sign_in(web, "alpha", EDD).get("/admin/alpha/team.csv").status_code == 403


def test_an_invitation_from_the_team_page_emails_a_link_that_works_once(web: AdminWeb) -> None:
    ada = sign_in(web, "alpha", ADA)
    team = "/admin/alpha/team"
    invited = ada.post(
        team,
        data={
            "csrf_token": csrf_from(ada, team),
            "email": BEA,
            "name": "Bea Approver",
            "role": "approver",
            "term_ends": "2028-03-31",
        },
        follow_redirects=False,
    )
    assert invited.status_code == 303
    web.send_queued()
    email = web.gateway.sent[-1]
    assert email.email_address == BEA and "Ada Admin \\(admin\\) invited you" in email.body
    assert "Alpha Network" in email.body and "approver role" in email.body and "7 days" in email.body
    link = web.last_link()
    bea = web.browser()
    token = csrf_from(bea, link)
    used = bea.post(link, data={"csrf_token": token}, follow_redirects=False)
    assert used.status_code == 303 and used.headers["location"] == "/admin/alpha"
    assert "Bea Approver (approver)" in bea.get("/admin/alpha").text
    again = web.browser().get(link)
    assert again.status_code == 400 and "already been used" in again.text
    assert _member(web, BEA).term_ends_at == datetime(2028, 3, 31, 23, 0, tzinfo=UTC)
