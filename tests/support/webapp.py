"""The FastAPI app on a real database with a recording queue, for in-process HTTP tests."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.web.app import create_app
from tests.support.fakes import RecordingQueue
from tests.support.settings import make_settings

WEB_SECRET_KEY = "web-test-secret-key-0123456789-abcdef"
CALLBACK_TOKEN = "callback-token-for-tests"


@dataclass
class WebApp:
    client: TestClient
    queue: RecordingQueue
    settings: Settings
    sessions: sessionmaker[Session]


def web_app(sessions: sessionmaker[Session], **overrides: object) -> WebApp:
    """The app on `sessions`: it opens no database of its own."""
    settings = make_settings(
        secret_key=WEB_SECRET_KEY,
        notify_callback_token=CALLBACK_TOKEN,
        public_base_url="http://testserver",
        one_click_base_url="https://testserver",
        **overrides,
    )
    queue = RecordingQueue()
    app = create_app(settings, queue, sessions)
    return WebApp(TestClient(app), queue, settings, sessions)
