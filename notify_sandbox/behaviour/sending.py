"""POST /v2/notifications/email, step by step in Notify's order (facts §2.1), after auth and limits."""

from __future__ import annotations

import json
import uuid
from typing import Any

from notify_sandbox.behaviour.faults import FaultInjector
from notify_sandbox.behaviour.lifecycle import Lifecycle
from notify_sandbox.behaviour.limits import SendLimits
from notify_sandbox.behaviour.schema import validate_email_request
from notify_sandbox.config.settings import KeyType, Outcome, ServiceConfig, TemplateSpec
from notify_sandbox.rendering.sanitise import sanitise_personalisation
from notify_sandbox.rendering.templating import Values, fill, placeholder_names, render_subject
from notify_sandbox.state.addresses import (
    PERMANENT_FAILURE_ADDRESS,
    SMOKE_TEST_ADDRESSES,
    TEMPORARY_FAILURE_ADDRESS,
    allowed_to_send_to,
    comparable,
    strip_address,
)
from notify_sandbox.state.clock import SandboxClock
from notify_sandbox.state.store import NotificationStore, StoredNotification
from notify_sandbox.transport.errors import bad_request, validation_errors

MAX_EMAIL_BYTES = 2_000_000
TRIAL_MODE_HELP = "https://www.notifications.service.gov.uk/trial-mode"
ADMIN_BASE_URL = "https://www.notifications.service.gov.uk"


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON whatever the Content-Type says (Notify uses get_json(force=True))."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request("Invalid JSON supplied in POST data") from e


def template_problem(template: TemplateSpec | None) -> str | None:
    if template is None:
        return "Template not found"
    if template.type != "email":
        return f"{template.type} template is not suitable for email notification"
    if template.archived:
        return "Template has been deleted"
    return None


class EmailSender:
    """Sends for one service: its templates, reply-to addresses, trial mode and limits."""

    def __init__(
        self,
        config: ServiceConfig,
        outcomes: dict[str, Outcome],
        clock: SandboxClock,
        store: NotificationStore,
        limits: SendLimits,
        lifecycle: Lifecycle,
        faults: FaultInjector,
    ) -> None:
        self._config = config
        self._outcomes = outcomes
        self._clock = clock
        self._store = store
        self._limits = limits
        self._lifecycle = lifecycle
        self._faults = faults
        self.templates = {t.id: t for t in config.all_templates()}
        self._reply_to = {r.id: r.address for r in config.reply_to}
        self._allowed_recipients = (*config.team_members, *config.guest_list)

    def send(
        self, key_type: KeyType, raw_body: bytes, url_root: str
    ) -> tuple[dict[str, Any], StoredNotification | None]:
        """The 201 body, and the stored notification (None for smoke-test addresses)."""
        data = parse_json_body(raw_body)
        if messages := validate_email_request(data):
            raise validation_errors(messages)
        personalisation, sanitised = sanitise_personalisation(
            data.get("personalisation") or {}, data.get("sanitise_content_for")
        )
        template = self.templates.get(str(uuid.UUID(data["template_id"])))
        if problem := template_problem(template):
            raise bad_request(problem)
        assert template is not None
        values = Values(personalisation)
        if missing := values.missing(placeholder_names(template.subject, template.body)):
            raise bad_request(f"Missing personalisation: {', '.join(missing)}")
        body = fill(template.body, values).strip()
        if not body:
            raise bad_request("Your message is empty.")
        reply_to = self._reply_to_for(data.get("email_reply_to_id"), template)
        address = strip_address(data["email_address"])
        self._check_recipient(address, key_type)
        self._check_files(personalisation)
        if (size := len(body.encode())) > MAX_EMAIL_BYTES:
            raise bad_request(
                f"Your message is too long. Emails cannot be longer than {MAX_EMAIL_BYTES} bytes. "
                f"Your message is {size} bytes."
            )
        subject = render_subject(template.subject or "", values)
        notification_id = str(uuid.uuid4())
        response = self._created_response(notification_id, data, template, subject, body, sanitised, url_root)
        if comparable(address) in SMOKE_TEST_ADDRESSES:
            return response, None
        notification = StoredNotification(
            seq=self._store.next_seq(),
            id=notification_id,
            key_type=key_type,
            email_address=address,
            reference=data.get("reference"),
            template=template,
            personalisation=personalisation,
            subject=subject,
            body=body,
            one_click_unsubscribe_url=data.get("one_click_unsubscribe_url"),
            reply_to=reply_to,
            created_at=self._clock.now(),
            outcome=self._outcome(address),
            service_id=self._config.service_id,
        )
        self._store.add(notification)
        self._limits.count_sent(key_type)
        self._lifecycle.track(notification)
        return response, notification

    def _reply_to_for(self, reply_to_id: str | None, template: TemplateSpec) -> str | None:
        if reply_to_id is None:
            return template.reply_to_text or self._config.default_reply_to
        address = self._reply_to.get(str(uuid.UUID(reply_to_id)))
        if address is None:
            raise bad_request(
                f"email_reply_to_id {reply_to_id} does not exist in database for service id "
                f"{self._config.service_id}"
            )
        return address

    def _check_recipient(self, address: str, key_type: KeyType) -> None:
        if key_type is KeyType.TEST or (key_type is KeyType.NORMAL and not self._config.trial_mode):
            return
        if allowed_to_send_to(address, self._allowed_recipients):
            return
        if key_type is KeyType.TEAM:
            raise bad_request("Can\u2019t send to this recipient using a team-only API key")
        raise bad_request(
            f"Can\u2019t send to this recipient when service is in trial mode \u2013 see {TRIAL_MODE_HELP}"
        )

    def _check_files(self, personalisation: dict[str, Any]) -> None:
        if any(isinstance(value, dict) and "file" in value for value in personalisation.values()):
            raise bad_request(
                f"Send files by email has not been set up - add contact details for your service at "
                f"{ADMIN_BASE_URL}/services/{self._config.service_id}/service-settings/send-files-by-email"
            )

    def _outcome(self, address: str) -> Outcome:
        lowered = comparable(address)
        if lowered == PERMANENT_FAILURE_ADDRESS:
            return Outcome.PERMANENT_FAILURE
        if lowered == TEMPORARY_FAILURE_ADDRESS:
            return Outcome.TEMPORARY_FAILURE
        if lowered in self._outcomes:
            return self._outcomes[lowered]
        forced = self._faults.forced_outcome()
        return Outcome(forced) if forced else Outcome.DELIVERED

    def _created_response(
        self,
        notification_id: str,
        data: dict[str, Any],
        template: TemplateSpec,
        subject: str,
        body: str,
        sanitised: dict[str, Any],
        url_root: str,
    ) -> dict[str, Any]:
        return {
            "id": notification_id,
            "reference": data.get("reference"),
            "uri": f"{url_root}v2/notifications/{notification_id}",
            "template": {
                "id": template.id,
                "version": template.version,
                "uri": f"{url_root}services/{self._config.service_id}/templates/{template.id}",
            },
            "scheduled_for": None,
            "content": {
                "from_email": self._config.from_address,
                "body": body,
                "subject": subject,
                "one_click_unsubscribe_url": data.get("one_click_unsubscribe_url"),
            },
            "sanitised_content": sanitised,
        }
