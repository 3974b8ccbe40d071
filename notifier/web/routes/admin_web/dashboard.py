"""The network's dashboard (who is subscribed to what, the trend, messages in flight and recent, what
waits for the steering group) and one message's funnel with its sends per minute as an SVG chart and
the same figures as a table."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from notifier.domain.statuses import Frequency
from notifier.services.admin import dashboard
from notifier.services.admin.funnels import message_funnel, recent_messages
from notifier.web.deps import NowDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.charts import sends_per_minute_svg, trend_svg
from notifier.web.routes.admin_web.session import SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)


@router.get("/admin/{slug}", response_class=HTMLResponse)
def home(signed_in: SignedInDep, uow: UowDep, now: NowDep) -> HTMLResponse:
    network_id = signed_in.network.id
    trend = dashboard.subscriber_trend(uow.session, network_id, now)
    return signed_in.page(
        "dashboard.html",
        title="Dashboard",
        active="",
        audiences=dashboard.audiences(uow.session, network_id),
        frequencies=list(Frequency),
        waiting=dashboard.waiting(uow.session, network_id, now),
        messages=recent_messages(uow.session, network_id),
        trend=trend,
        trend_chart=trend_svg(trend, label="Active subscriptions at the end of each of the last 12 weeks"),
    )


@router.get("/admin/{slug}/messages/{message_id}", response_class=HTMLResponse)
def message_page(message_id: RowId, signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
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
