"""The members' archive from the steering group's side (admin role): every item of the network,
withdrawn ones too; withdrawing an item with a reason (readers stop seeing it at once; who did it and
why are kept and audited) and restoring it; and whether readers see a topic's whole history or only
what came after they joined. The rules are services/archive/management.py's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.archive.management import (
    ArchiveRefused,
    admin_archive,
    restore,
    set_reading_from_joining,
    withdraw,
)
from notifier.web.deps import NowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
NOTICES = {
    "withdrawn": "The email is withdrawn: readers no longer see it.",
    "restored": "The email is back in the archive.",
    "settings": "Who reads what has been saved.",
}


def _back(base: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{base}/archive?done={done}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/admin/{slug}/archive", response_class=HTMLResponse)
def archive_items(signed_in: AdminRoleDep, page: int = 1, done: str = "") -> HTMLResponse:
    return signed_in.page(
        "archive.html",
        title="Archive",
        active="archive",
        found=admin_archive(signed_in.scope, page=page),
        notice=NOTICES.get(done, ""),
        reader_url=f"/archive/{signed_in.network.slug}",
    )


@router.post("/admin/{slug}/archive/settings", response_class=HTMLResponse)
def reading_settings(signed_in: AdminRoleDep, reads: FormText = "") -> Response:
    set_reading_from_joining(signed_in.scope, reads == "from_joined", actor=signed_in.actor)
    return _back(signed_in.base, "settings")


@router.post("/admin/{slug}/archive/{item_id}/withdraw", response_class=HTMLResponse)
def withdraw_item(item_id: RowId, signed_in: AdminRoleDep, now: NowDep, reason: FormText = "") -> Response:
    try:
        withdraw(signed_in.scope, item_id, reason=reason, actor=signed_in.actor, now=now)
    except ArchiveRefused as exc:
        raise refused(
            "The email was not withdrawn",
            str(exc).split(": ", 1)[-1].capitalize() + ".",
            status_code=status.HTTP_400_BAD_REQUEST,
            next_url=f"{signed_in.base}/archive",
            next_text="Back to the archive",
        ) from exc
    return _back(signed_in.base, "withdrawn")


@router.post("/admin/{slug}/archive/{item_id}/restore", response_class=HTMLResponse)
def restore_item(item_id: RowId, signed_in: AdminRoleDep) -> Response:
    try:
        restore(signed_in.scope, item_id, actor=signed_in.actor)
    except ArchiveRefused as exc:
        raise refused(
            "The email was not restored",
            "It is not withdrawn.",
            next_url=f"{signed_in.base}/archive",
            next_text="Back to the archive",
        ) from exc
    return _back(signed_in.base, "restored")
