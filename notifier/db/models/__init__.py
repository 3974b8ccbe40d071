"""Every table, one module per area; importing this package registers them all on the metadata."""

from notifier.db.models.admin_web import (
    AccessReview,
    AdminAlert,
    AdminMember,
    AdminSession,
    AdminSignInLink,
)
from notifier.db.models.archive import (
    ArchiveFeed,
    ArchiveItem,
    ArchiveItemTopic,
    ArchiveSession,
    ArchiveSignInLink,
)
from notifier.db.models.core import (
    ConsentEvent,
    Delivery,
    DeliveryTally,
    Event,
    FanoutSlice,
    Message,
    Network,
    Subscriber,
    Subscription,
    Suppression,
    Topic,
)
from notifier.db.models.meeting_answers import MeetingAnswer
from notifier.db.models.notify_services import NetworkNotifyService
from notifier.db.models.retention import ContactEnquiry, DataRequest, RetentionEvidence, RetentionRule
from notifier.db.models.sources import (
    Announcement,
    AnnouncementTopic,
    ApiToken,
    ApprovalRequest,
    AuditRecord,
    ContentPage,
    DigestEntry,
    DigestRun,
    Meeting,
    MeetingInvitee,
)
from notifier.db.models.subscribers import ConsentText, FormAttempt, Membership, Signup

__all__ = [
    "AccessReview",
    "AdminAlert",
    "AdminMember",
    "AdminSession",
    "AdminSignInLink",
    "Announcement",
    "AnnouncementTopic",
    "ApiToken",
    "ApprovalRequest",
    "ArchiveFeed",
    "ArchiveItem",
    "ArchiveItemTopic",
    "ArchiveSession",
    "ArchiveSignInLink",
    "AuditRecord",
    "ConsentEvent",
    "ConsentText",
    "ContactEnquiry",
    "ContentPage",
    "DataRequest",
    "Delivery",
    "DeliveryTally",
    "DigestEntry",
    "DigestRun",
    "Event",
    "FanoutSlice",
    "FormAttempt",
    "Meeting",
    "MeetingAnswer",
    "MeetingInvitee",
    "Membership",
    "Message",
    "Network",
    "NetworkNotifyService",
    "RetentionEvidence",
    "RetentionRule",
    "Signup",
    "Subscriber",
    "Subscription",
    "Suppression",
    "Topic",
]
