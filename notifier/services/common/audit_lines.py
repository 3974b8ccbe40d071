"""The audit trail as sentences that name people: "Sam Patel (approver) approved the announcement
“Summer party” (asked by Jo Evans (editor))". Records hold ids only; the names are looked up as the
log is read (services/common/actor_names.py, audit_words.py), so the log shows who did what without
storing anyone's name."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.db.models import AuditRecord
from notifier.services.common.actor_names import ActorNames
from notifier.services.common.audit_words import PHRASES, Part, Things, more, sentence, unlisted


@dataclass(frozen=True)
class AuditLine:
    record: AuditRecord
    who: str
    parts: list[Part]  # the sentence; a part with a path links to what was touched

    @property
    def summary(self) -> str:
        return "".join(part.text for part in self.parts)


def line_of(record: AuditRecord, names: ActorNames, things: Things) -> AuditLine:
    who = names.actor(record.actor)
    thing = things.part(record.object_type, record.object_id)
    parts = sentence(PHRASES.get(record.action) or unlisted(record.action), who, thing)
    return AuditLine(record, who, [*parts, Part(more(record.detail, names.actor))])


def named(records: list[AuditRecord], names: ActorNames) -> list[AuditLine]:
    things = Things(names.session, names.network_id)
    return [line_of(r, names, things) for r in records]
