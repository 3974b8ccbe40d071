"""One message's funnel, with its sends per minute as an SVG chart and the same figures as a table."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from notifier.services.admin.funnels import message_funnel
from notifier.web.routes.admin_web.charts import sends_per_minute_svg
from notifier.web.routes.admin_web.session import AdminUow, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)


@router.get("/admin/{slug}/messages/{message_id}", response_class=HTMLResponse)
def message_page(message_id: int, signed_in: SignedInDep, uow: AdminUow) -> HTMLResponse:
    funnel = message_funnel(uow.session, signed_in.network.id, message_id)
    if funnel is None:
        raise not_found()
    chart = (
        sends_per_minute_svg(
            funnel.per_minute, label=f"Emails sent to Notify per minute for message {message_id}"
        )
        if funnel.per_minute
        else None
    )
    return signed_in.page(
        "message.html", title=f"Message {message_id}", active="", funnel=funnel, chart=chart
    )
