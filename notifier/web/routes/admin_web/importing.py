"""Importing people from a file in the browser (admin role): CSV, Excel or OpenDocument; every row or
none. A file with any bad row stores nothing and answers with a line-by-line report, and the form keeps
what was chosen; a good one is stored in one transaction and reported with its counts. Each person is
asked by email to confirm unless the admin records their consent for a stated reason. The audit
record holds the counts, never a row."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import HTMLResponse, Response

from notifier.domain.statuses import Frequency
from notifier.services.subscribers.import_reminders import REMINDER_AFTER
from notifier.services.subscribers.import_upload import (
    MAX_BYTES,
    ImportDone,
    ImportRefused,
    Upload,
    import_upload,
)
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


def _page(
    signed_in: SignedIn,
    settings: SettingsDep,
    *,
    refused: ImportRefused | None = None,
    done: ImportDone | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return signed_in.page(
        "import.html",
        title="Import people from a file",
        active="members",
        status_code=status_code,
        error_title=refused is not None,
        topics=signed_in.scope.topics(),
        frequencies=list(Frequency),
        errors=refused.errors if refused else {},
        problems=refused.problems if refused else [],
        report=done.report if done else None,
        imported=done.imported if done else 0,
        done_topic=done.topic if done else None,
        form=form or {"frequency": Frequency.IMMEDIATE.value, "consent": "ask"},
        confirm_days=settings.import_confirm_days,
        reminder_days=REMINDER_AFTER.days,
    )


@router.get("/admin/{slug}/import", response_class=HTMLResponse)
def import_form(signed_in: AdminRoleDep, settings: SettingsDep) -> HTMLResponse:
    return _page(signed_in, settings)


@router.post("/admin/{slug}/import", response_class=HTMLResponse)
def import_file(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    file: Annotated[UploadFile | None, File()] = None,
    topic: FormText = "",
    frequency: FormText = "",
    consent: FormText = "ask",
    reason: FormText = "",
) -> Response:
    raw = file.file.read(MAX_BYTES + 1) if file is not None else b""  # a sync route: runs in a thread
    upload = Upload(raw, topic, frequency, consent=consent, reason=reason)
    try:
        done = import_upload(uow, queue, signed_in.scope, upload, settings, actor=signed_in.actor, now=now)
    except ImportRefused as refused:
        chosen = {"topic": topic, "frequency": frequency, "consent": consent, "reason": reason}
        return _page(
            signed_in, settings, refused=refused, form=chosen, status_code=status.HTTP_400_BAD_REQUEST
        )
    return _page(signed_in, settings, done=done)
