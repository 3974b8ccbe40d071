"""The FastAPI application factory: built from Settings and a TaskQueue; no import-time globals."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import session_factory
from notifier.logs import configure_logging
from notifier.queueing import load_task_queue
from notifier.services.common.links import LinkBuilder
from notifier.services.common.ports import TaskQueue
from notifier.web.pages import mount_assets
from notifier.web.routes import (
    admin_memberships,
    admin_web,
    health,
    hooks,
    metrics,
    preferences,
    receipts,
    subscribe,
    unsubscribe,
)
from notifier.web.routes import contact as contact_routes
from notifier.web.routes import email_change as email_change_routes
from notifier.web.routes import event_sources as event_source_routes
from notifier.web.routes import rights as rights_routes


def create_app(
    settings: Settings, queue: TaskQueue, sessions: sessionmaker[Session] | None = None
) -> FastAPI:
    app = FastAPI(
        title="notifier",
        summary="Mailing lists and bulk notifications for staff networks, sent through GOV.UK Notify",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.queue = queue
    app.state.sessions = sessions or session_factory(settings)
    app.state.links = LinkBuilder.from_settings(settings)
    for module in (
        health,
        receipts,
        hooks,
        unsubscribe,
        preferences,
        metrics,
        subscribe,
        rights_routes,
        email_change_routes,
        contact_routes,
        admin_memberships,
    ):
        app.include_router(module.router)
    for router in event_source_routes.ROUTERS:
        app.include_router(router)
    admin_web.install(app)
    mount_assets(app)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory (`notifier web`): Settings from the environment, the configured queue."""
    configure_logging()
    settings = Settings()
    return create_app(settings, load_task_queue(settings))
