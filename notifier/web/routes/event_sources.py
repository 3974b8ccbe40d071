"""The event sources' routers: the admin API (events, messages, meetings, announcements, approvals,
audit) and the meeting pages its emails link to."""

from __future__ import annotations

from notifier.web.routes.admin_api import (
    admin_announcements,
    admin_api,
    admin_approvals,
    admin_meetings,
    admin_site,
)
from notifier.web.routes.pages import meeting_pages

ROUTERS = (
    admin_api.router,
    admin_meetings.router,
    admin_announcements.router,
    admin_approvals.router,
    admin_site.router,
    meeting_pages.router,
)
