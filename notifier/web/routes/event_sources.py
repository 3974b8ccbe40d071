"""The event sources' routers: the admin API (events, messages, meetings, announcements, approvals,
audit), the meeting pages its emails link to, and each reader's answer page."""

from __future__ import annotations

from notifier.web.routes.admin_api import (
    admin_announcements,
    admin_api,
    admin_approvals,
    admin_meetings,
    admin_site,
)
from notifier.web.routes.pages import meeting_answers, meeting_pages

ROUTERS = (
    admin_api.router,
    admin_meetings.router,
    admin_announcements.router,
    admin_approvals.router,
    admin_site.router,
    meeting_answers.router,  # before meeting_pages: /meetings/answer/... is not a meeting's token
    meeting_pages.router,
)
