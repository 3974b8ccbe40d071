"""The steering group's web admin (GOV.UK Design System pages under /admin/{network}/)."""

from __future__ import annotations

from fastapi import FastAPI

from notifier.web.routes.admin_web import (
    announcements,
    approvals,
    archive,
    audit_log,
    dashboard,
    enquiries,
    importing,
    meeting_answers,
    meeting_audience,
    meetings,
    memberships,
    people,
    people_edit,
    requests,
    settings,
    sign_in,
    team,
)
from notifier.web.routes.admin_web.session import install_handlers

ROUTERS = (
    sign_in.router,  # first: /admin, /admin/check-email and /admin/sign-in/... are not networks
    approvals.router,
    dashboard.router,
    people_edit.router,  # before people: /people/new is not a person's id
    people.router,
    announcements.router,
    archive.router,
    requests.router,
    team.router,
    audit_log.router,
    importing.router,
    meeting_answers.router,
    meeting_audience.router,  # before meetings: its POST .../{change} takes any last segment
    meetings.router,
    memberships.router,
    enquiries.router,
    *settings.ROUTERS,
)


def install(app: FastAPI) -> None:
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
