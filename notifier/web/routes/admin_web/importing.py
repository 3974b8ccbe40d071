"""Importing people from a CSV file in the browser (admin role): every row or none. A file with any
bad row stores nothing and answers with a line-by-line report; a good one is stored in one
transaction and reported with its counts. The audit record holds the counts, never a row."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import HTMLResponse, Response

from notifier.db.base import utcnow
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import Frequency
from notifier.repositories import networks as network_repo
from notifier.services.common import audit
from notifier.services.subscribers.importing import ImportReport, ParsedFile, import_rows, parse_csv
from notifier.services.subscribers.signups import ConfirmLinks, SignupContext
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_BYTES = 5 * 1024 * 1024


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    errors: dict[str, str] | None = None,
    problems: list[tuple[int, str]] | None = None,
    report: ImportReport | None = None,
    imported: int = 0,
    status_code: int = 200,
) -> HTMLResponse:
    return signed_in.page(
        "import.html",
        title="Import people from a CSV file",
        active="members",
        status_code=status_code,
        error_title=bool(errors or problems),
        topics=network_repo.list_topics(uow.session, signed_in.network.id),
        frequencies=list(Frequency),
        errors=errors or {},
        problems=problems or [],
        report=report,
        imported=imported,
    )


@router.get("/admin/{slug}/import", response_class=HTMLResponse)
def import_form(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.ADMIN)
    return _page(signed_in, uow)


@router.post("/admin/{slug}/import", response_class=HTMLResponse)
def import_file(
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    file: Annotated[UploadFile | None, File()] = None,
    topic: FormText = "",
    frequency: FormText = "",
    confirm: FormText = "",
) -> Response:
    signed_in.require(AdminRole.ADMIN)
    raw = file.file.read(MAX_BYTES + 1) if file is not None else b""  # a sync route: runs in a thread
    return _import(
        signed_in, uow, settings, queue, raw, topic, frequency, send_confirmations=confirm == "yes"
    )


def _import(
    signed_in: SignedIn,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    raw: bytes,
    topic_slug: str,
    frequency: str,
    *,
    send_confirmations: bool,
) -> Response:
    network = signed_in.network
    errors: dict[str, str] = {}
    topic = network_repo.get_topic_by_slug(uow.session, network.id, topic_slug)
    if topic is None:
        errors["topic"] = "Select the topic they are subscribed to"
    if frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Select how often they get email"
    if not raw:
        errors["file"] = "Choose a CSV file with the columns email, name and department"
    elif len(raw) > MAX_BYTES:
        errors["file"] = "The file must be smaller than 5 MB"
    text = ""
    if "file" not in errors:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors["file"] = "The file must be a CSV file saved as UTF-8"
    if errors or topic is None:
        return _page(signed_in, uow, errors=errors, status_code=status.HTTP_400_BAD_REQUEST)
    parsed: ParsedFile = parse_csv(network, text)
    if parsed.problems:
        audit.record(
            uow.session, network.id, signed_in.actor, "import_refused", "network", network.id,
            bad_rows=len(parsed.problems), good_rows=len(parsed.rows),
        )  # fmt: skip
        return _page(signed_in, uow, problems=parsed.problems, status_code=status.HTTP_400_BAD_REQUEST)
    context = SignupContext(
        links=ConfirmLinks.from_settings(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.confirm_link_days,
        now=utcnow(),
    )
    report = import_rows(
        uow, queue, network, topic, parsed, context,
        frequency=Frequency(frequency), send_confirmations=send_confirmations,
    )  # fmt: skip
    audit.record(
        uow.session, network.id, signed_in.actor, "people_imported", "topic", topic.id,
        added=report.added, confirmations=report.confirmations_sent,
        suppressed_skipped=report.suppressed_skipped, duplicates=report.duplicates,
    )  # fmt: skip
    return _page(signed_in, uow, report=report, imported=len(parsed.rows))
