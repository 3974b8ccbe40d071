"""The FastAPI application factory: built from Settings and a TaskQueue; no import-time globals."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from notifier.config import Settings
from notifier.db.session import session_factory
from notifier.logs import configure_logging
from notifier.queueing import load_task_queue
from notifier.resources import govuk_frontend_dir
from notifier.services.common.links import LinkBuilder
from notifier.services.common.ports import TaskQueue
from notifier.web.access_log import AccessLog
from notifier.web.csrf import install_form_checks
from notifier.web.errors import add_error_handlers
from notifier.web.openapi import declare_errors
from notifier.web.pages import PageFrame, PageFrameMiddleware, mount_assets
from notifier.web.problems import install_problem_handlers
from notifier.web.request_guard import RequestGuard
from notifier.web.routes import admin_web, health, hooks, metrics, receipts, site_hook
from notifier.web.routes import event_sources as event_source_routes
from notifier.web.routes.admin_api import admin_branding, admin_memberships
from notifier.web.routes.pages import archive as archive_routes
from notifier.web.routes.pages import (
    archive_sign_in,
    new_link,
    preferences,
    site_pages,
    subscribe,
    unsubscribe,
)
from notifier.web.routes.pages import contact as contact_routes
from notifier.web.routes.pages import email_change as email_change_routes
from notifier.web.routes.pages import rights as rights_routes
from notifier.web.security_headers import PolicyMiddleware, wants_hsts


def create_app(
    settings: Settings, queue: TaskQueue, sessions: sessionmaker[Session] | None = None
) -> FastAPI:
    docs = settings.serves_api_docs  # off in production unless NOTIFIER_API_DOCS=true
    app = FastAPI(
        title="notifier",
        summary="Mailing lists and bulk notifications for staff networks, sent through GOV.UK Notify",
        version="0.1.0",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.queue = queue
    app.state.sessions = sessions or session_factory(settings)
    app.state.links = LinkBuilder.from_settings(settings)
    for module in (
        health,
        receipts,
        hooks,
        site_hook,
        unsubscribe,
        preferences,
        metrics,
        subscribe,
        rights_routes,
        email_change_routes,
        contact_routes,
        new_link,
        archive_sign_in,  # before the archive's pages: /sign-in/... is not an item
        archive_routes,
        admin_memberships,
        admin_branding,
    ):
        app.include_router(module.router)
    for router in event_source_routes.ROUTERS:
        app.include_router(router)
    add_error_handlers(app)
    install_problem_handlers(app)
    install_form_checks(app)
    declare_errors(app)
    site_pages.install(app)
    admin_web.install(app)
    mount_assets(app, govuk_frontend_dir(settings.govuk_frontend_dir))
    app.add_middleware(RequestGuard)  # before any route reads the body: its size, and text as UTF-8
    app.add_middleware(PageFrameMiddleware, frame=PageFrame.from_settings(settings))
    app.add_middleware(PolicyMiddleware, hsts=wants_hsts(settings))  # every answer, refusals too
    app.add_middleware(AccessLog, client_addresses=settings.log_client_addresses)
    if settings.trusted_proxies.strip():  # outermost, so the access log and the form limits see the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory (`notifier web`): Settings from the environment, the configured queue."""
    configure_logging()
    settings = Settings()
    return create_app(settings, load_task_queue(settings))
