"""Data-subject requests: the kinds a person may make, where they came from and how far they got."""

from __future__ import annotations

from enum import StrEnum


class DataRequestKind(StrEnum):
    ACCESS = "access"  # access and portability: a JSON and CSV bundle of everything held
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"  # keep the data, process and send nothing until lifted
    LIFT_RESTRICTION = "lift_restriction"
    OBJECTION = "objection"  # stop all email

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DataRequestKind.ACCESS: "Get a copy of your data",
    DataRequestKind.RECTIFICATION: "Correct your details",
    DataRequestKind.ERASURE: "Delete your data",
    DataRequestKind.RESTRICTION: "Stop us using your data for now",
    DataRequestKind.LIFT_RESTRICTION: "Let us use your data again",
    DataRequestKind.OBJECTION: "Stop all emails",
}


class DataRequestOrigin(StrEnum):
    SELF_SERVICE = "self_service"  # from the preference pages, verified by an emailed signed link
    ADMIN = "admin"  # recorded by an admin who verified the person another way


class RequestArrival(StrEnum):
    """How a request recorded on the person's behalf reached the steering group."""

    EMAIL = "email"
    POST = "post"
    IN_PERSON = "in_person"
    PHONE = "phone"

    @property
    def label(self) -> str:
        return {"email": "By email", "post": "By post", "in_person": "In person", "phone": "By phone"}[self]


class DataRequestStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    OPEN = "open"  # verified; being acted on
    AWAITING_NOTIFY = "awaiting_notify"  # erased here; Notify's copy has not expired yet
    COMPLETED = "completed"
    EXPIRED = "expired"  # never verified


OPEN_STATUSES = frozenset(
    {DataRequestStatus.AWAITING_VERIFICATION, DataRequestStatus.OPEN, DataRequestStatus.AWAITING_NOTIFY}
)
CLOSED_STATUSES = frozenset({DataRequestStatus.COMPLETED, DataRequestStatus.EXPIRED})
