"""The EmailGateway for GOV.UK Notify (or the local sandbox), over the official notifications-python-client.

Every email goes through one generic Notify template whose subject is ((subject)) and body ((body)):
notifier renders both. The client keeps one requests.Session and is not thread-safe, so each thread
gets its own client.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from notifier.domain.notify_keys import BadApiKey, service_id_of
from notifier.gateway.base import EmailRequest, GatewayUnavailable, NotificationRecord, SendOutcome
from notifier.gateway.classify import classify_api_error, classify_response

if TYPE_CHECKING:
    from notifier.config import Settings


class NotifyClient(Protocol):
    """The part of NotificationsAPIClient the gateway uses, typed (the client ships without annotations)."""

    def send_email_notification(
        self,
        *,
        email_address: str,
        template_id: str,
        personalisation: dict[str, str] | None = None,
        reference: str | None = None,
        email_reply_to_id: str | None = None,
        one_click_unsubscribe_url: str | None = None,
    ) -> Any: ...

    def get_all_notifications(self, *, reference: str | None = None) -> Any: ...

    def get_template(self, template_id: str) -> Any: ...


ClientFactory = Callable[[], NotifyClient]
Clock = Callable[[], datetime]


def new_notify_client(api_key: str, base_url: str, timeout_seconds: float) -> NotifyClient:
    client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout_seconds)  # type: ignore[no-untyped-call]
    read_environment_once(client.request_session, base_url)
    notify_client: NotifyClient = client
    return notify_client


def read_environment_once(session: requests.Session, base_url: str) -> None:
    """Settle at start-up what `requests` would otherwise read from the environment on every request.

    With `trust_env` on, each request scans the whole environment twice for proxy settings and looks for
    a netrc file: about a third of the client's CPU per email. The client only ever calls its one base
    URL, so the proxies for that URL (honouring NO_PROXY) and a REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE are
    read here, once, with the same rules. A netrc entry is no longer consulted, which is right: it
    would replace the client's bearer token with basic auth.
    """
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


def _utc_now() -> datetime:
    return datetime.now(UTC)


def check_api_key(api_key: str) -> None:
    """The client slices the service id and secret off the end of the key; refuse a key it would misread."""
    try:
        service_id_of(api_key)
    except BadApiKey as error:
        # Never echo the key: it is a secret.
        raise ValueError("the Notify API key must end with '<service id uuid>-<secret uuid>'") from error


class NotifyGateway:
    """Sends through Notify and classifies every answer once; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        template_id: str,
        timeout_seconds: float,
        *,
        client_factory: ClientFactory | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        if not base_url:
            raise ValueError("the Notify base URL is required")
        if not template_id:
            raise ValueError("the Notify template id is required")
        check_api_key(api_key)
        self.base_url = base_url
        self.template_id = template_id
        self.timeout_seconds = timeout_seconds
        self._client_factory = client_factory or (
            lambda: new_notify_client(api_key, base_url, timeout_seconds)
        )
        self._clock = clock
        self._local = threading.local()
        self._client()  # fail at start-up, not on the first send, if the client refuses its arguments

    def _client(self) -> NotifyClient:
        client: NotifyClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._client_factory()
            self._local.client = client
        return client

    def send(self, request: EmailRequest) -> SendOutcome:
        try:
            response = self._client().send_email_notification(
                email_address=request.email_address,
                template_id=self.template_id,
                personalisation={"subject": request.subject, "body": request.body},
                reference=request.reference,
                email_reply_to_id=request.email_reply_to_id,
                one_click_unsubscribe_url=request.one_click_unsubscribe_url,
            )
        except APIError as error:
            return classify_api_error(error, now=self._clock(), email_address=request.email_address)
        return classify_response(response)

    def find_by_reference(self, reference: str) -> NotificationRecord | None:
        """The first notification Notify created for this reference, or None when it created none."""
        try:
            answer = self._client().get_all_notifications(reference=reference)
        except APIError as error:
            raise GatewayUnavailable(
                f"Notify lookup by reference failed with status {error.status_code}",
                status_code=error.status_code,
            ) from error
        return _earliest_record(answer, reference)

    def check_connection(self) -> str | None:
        """None when the key authenticates and the template exists; otherwise what Notify said."""
        try:
            self._client().get_template(self.template_id)
        except APIError as error:
            return f"Notify answered {error.status_code}: {_said(error.message)}"
        except requests.RequestException as error:
            return f"Notify could not be reached ({type(error).__name__})"
        return None


def _said(message: object) -> str:
    """Notify's errors as one line: 'AuthError (Invalid token: API key not found)'."""
    if isinstance(message, list):
        return "; ".join(
            f"{item.get('error')} ({item.get('message')})" for item in message if isinstance(item, Mapping)
        )
    return str(message)


def _earliest_record(answer: object, reference: str) -> NotificationRecord | None:
    notifications = answer.get("notifications") if isinstance(answer, Mapping) else None
    if not isinstance(notifications, list):
        raise GatewayUnavailable("Notify lookup by reference answered without a notifications list")
    matches = [
        item for item in notifications if isinstance(item, Mapping) and item.get("reference") == reference
    ]
    if not matches:
        return None
    # Newest first on the wire; the oldest is the one the first attempt created.
    first = min(matches, key=lambda item: str(item.get("created_at") or ""))
    return _record(first)


def _record(item: Mapping[str, Any]) -> NotificationRecord:
    notify_id, status = item.get("id"), item.get("status")
    if not isinstance(notify_id, str) or not isinstance(status, str):
        raise GatewayUnavailable("Notify lookup by reference returned a notification without id or status")
    reference = item.get("reference")
    return NotificationRecord(
        notify_id=notify_id, reference=reference if isinstance(reference, str) else None, status=status
    )


def build_gateway(
    settings: Settings, *, api_key: str | None = None, template_id: str | None = None
) -> NotifyGateway:
    """The deployment's service, or (given a key and template) a network's own service."""
    return NotifyGateway(
        base_url=settings.notify_base_url,
        api_key=api_key or settings.notify_api_key,
        template_id=template_id or settings.notify_template_id,
        timeout_seconds=settings.notify_timeout_seconds,
    )


def check_key(settings: Settings, api_key: str, template_id: str) -> str | None:
    """None when the key authenticates and its service has the template; otherwise what went wrong."""
    return build_gateway(settings, api_key=api_key, template_id=template_id).check_connection()
