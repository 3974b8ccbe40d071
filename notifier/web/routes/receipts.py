"""Notify's delivery-status callback: bearer token compared in constant time, then apply the receipt."""

from __future__ import annotations

import hmac
from datetime import datetime

import structlog
from fastapi import APIRouter, Header, HTTPException, status
from pydantic import BaseModel, ConfigDict

from notifier.domain.statuses import NotifyStatus
from notifier.services.admin.notify_services import callback_token_accepted
from notifier.services.delivery.receipts import Receipt, UnknownReceipt, apply_receipt, network_of_reference
from notifier.web.deps import NowDep, SettingsDep, UowDep

router = APIRouter(tags=["notify"])
log = structlog.get_logger(__name__)


class DeliveryReceipt(BaseModel):
    """The body Notify posts (its field names); `to` is accepted but never stored or logged."""

    model_config = ConfigDict(extra="ignore")

    id: str
    reference: str | None = None
    to: str
    status: NotifyStatus
    created_at: datetime | None = None
    completed_at: datetime | None = None
    sent_at: datetime | None = None
    notification_type: str = "email"
    template_id: str | None = None
    template_version: int | None = None


@router.post("/notify/receipts", status_code=status.HTTP_204_NO_CONTENT)
def delivery_receipt(
    body: DeliveryReceipt,
    uow: UowDep,
    now: NowDep,
    settings: SettingsDep,
    authorization: str | None = Header(default=None),
) -> None:
    # Each network's receipts carry its own Notify service's bearer (or the deployment's): one signed
    # with another network's token is refused, and so is an unknown reference without the deployment's.
    scheme, _, token = (authorization or "").partition(" ")
    network_id = network_of_reference(uow.session, body.reference)
    deployment_token = settings.notify_callback_token.get_secret_value()
    if network_id is None:
        accepted = hmac.compare_digest(token.encode(), deployment_token.encode())
    else:
        accepted = callback_token_accepted(uow.session, network_id, token, deployment_token)
    if scheme != "Bearer" or not accepted:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token is required")
    receipt = Receipt(notify_id=body.id, reference=body.reference, status=body.status)
    try:
        changed = apply_receipt(
            uow.session,
            receipt,
            now=now,
            temporary_failure_limit=settings.temporary_failures_before_suppression,
        )
    except UnknownReceipt as exc:
        # 404 is not retried by Notify: a receipt for a reference we never sent cannot become valid.
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    log.info(
        "receipt.applied", notify_id=body.id, reference=body.reference, status=body.status, changed=changed
    )
