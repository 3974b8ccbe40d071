"""The network's dashboard: who is subscribed to what, and what waits for the steering group."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from notifier.db.base import utcnow
from notifier.domain.statuses import Frequency
from notifier.services.admin import dashboard
from notifier.services.admin.funnels import recent_messages
from notifier.web.routes.admin_web.charts import trend_svg
from notifier.web.routes.admin_web.session import AdminUow, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)


@router.get("/admin/{slug}", response_class=HTMLResponse)
def home(signed_in: SignedInDep, uow: AdminUow) -> HTMLResponse:
    network_id = signed_in.network.id
    trend = dashboard.subscriber_trend(uow.session, network_id, utcnow())
    return signed_in.page(
        "dashboard.html",
        title="Dashboard",
        active="",
        audiences=dashboard.audiences(uow.session, network_id),
        frequencies=list(Frequency),
        waiting=dashboard.waiting(uow.session, network_id, utcnow()),
        messages=recent_messages(uow.session, network_id),
        trend=trend,
        trend_chart=trend_svg(trend, label="Active subscriptions at the end of each of the last 12 weeks"),
    )
