"""Admins told by email what waits for them, on both databases: each kind at most once a day per
admin, sooner only for a data-subject request near its deadline; only the roles that can act on a
kind hear about it; the emails carry counts, never a name."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Announcement, DataRequest
from notifier.db.session import unit_of_work
from notifier.domain.rights import DataRequestKind
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.admin.alerts import alert_waiting
from notifier.services.common.ports import TaskQueue
from notifier.services.privacy import rights
from notifier.services.subscribers.memberships import request_membership
from tests.integration.admin_web.support import PUBLIC, invite, make_admin_web
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

ADMIN, APPROVER, EDITOR = (
    "ada.admin@cabinetoffice.gov.uk",
    "alice.approver@hmrc.gov.uk",
    "eddie.editor@dwp.gov.uk",
)


def _alert_waiting(sessions: sessionmaker[Session], queue: TaskQueue, base_url: str, now: datetime) -> int:
    """What beat's event-sources task does: the alerts in a unit of work of their own."""
    with unit_of_work(sessions) as uow:
        return alert_waiting(uow, queue, base_url, now)


def test_alerts_daily_per_kind_and_sooner_when_urgent(sessions: sessionmaker[Session]) -> None:
    web = make_admin_web(sessions)
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
        joiner = subscriber(uow.session, alpha, "joiner@hmrc.gov.uk", [news])
        request_membership(uow.session, alpha, joiner, now=utcnow())
        uow.session.add(
            Announcement(
                network_id=alpha.id,
                topic_id=news.id,
                subject="S",
                body="B",
                status=AnnouncementStatus.AWAITING_APPROVAL,
            )
        )
        context = rights.RightsContext.from_settings(web.settings)
        rights.request_from_preferences(
            uow, RecordingQueue(), context, joiner, DataRequestKind.ACCESS, {}, utcnow()
        )
    for email, role in ((ADMIN, AdminRole.ADMIN), (APPROVER, AdminRole.APPROVER), (EDITOR, AdminRole.EDITOR)):
        invite(web, "alpha", email, role)
    invite(web, "beta", "bob.beta@dwp.gov.uk", AdminRole.ADMIN)
    web.queue.sends.clear()

    start = utcnow()
    assert _alert_waiting(sessions, web.queue, PUBLIC, start) == 2
    web.send_queued()
    by_person = {request.email_address: request.body for request in web.gateway.sent}
    assert set(by_person) == {ADMIN, APPROVER}  # editors approve nothing; beta has nothing waiting
    assert "1 announcement to approve" in by_person[ADMIN] and "1 request to join" in by_person[ADMIN]
    request_line = "* 1 data\\-subject request"  # escaped for Notify markdown: Notify shows a hyphen
    assert request_line in by_person[ADMIN] and request_line not in by_person[APPROVER]
    assert f"({PUBLIC}/admin/alpha)" in by_person[ADMIN] and "joiner" not in by_person[ADMIN]

    assert _alert_waiting(sessions, web.queue, PUBLIC, start + timedelta(hours=5)) == 0  # once a day
    with unit_of_work(sessions) as uow:  # the request nears its deadline: urgent
        request = uow.session.scalars(select(DataRequest)).one()
        request.deadline_at = start + timedelta(days=2)
    web.gateway.sent.clear()
    assert _alert_waiting(sessions, web.queue, PUBLIC, start + timedelta(hours=5)) == 1
    web.send_queued()
    (urgent,) = web.gateway.sent
    assert urgent.email_address == ADMIN and "due within" in urgent.body and "announcement" not in urgent.body
    assert _alert_waiting(sessions, web.queue, PUBLIC, start + timedelta(hours=6)) == 0  # not every run
    web.gateway.sent.clear()
    assert _alert_waiting(sessions, web.queue, PUBLIC, start + timedelta(hours=25)) == 2  # the next day
