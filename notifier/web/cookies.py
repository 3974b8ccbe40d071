"""The names of the cookies the service sets, in one place: the cookies page lists them, and the
surfaces that set them read their names from here."""

from __future__ import annotations

CSRF_COOKIE = "notifier_csrf"  # the public forms' double-submit value (web/csrf.py)
ADMIN_SESSION_COOKIE = "notifier_admin"  # the steering group's session (routes/admin_web/session.py)
ADMIN_SESSION_PATH = "/admin"
READER_SESSION_COOKIE = "notifier_reader"  # a reader's archive session, one per network's /archive/<slug>
