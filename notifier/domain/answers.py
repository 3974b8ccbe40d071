"""Answers to a meeting invitation (RSVP) and the places they hold. No I/O.

A Yes takes a place while the meeting has room (or has no limit); once it is full a Yes waits in
order. A freed place is offered to the first who waits, for a time; an offer that lapses passes on.
"""

from __future__ import annotations

from enum import StrEnum


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"

    @property
    def partstat(self) -> str:
        """The reader's PARTSTAT in their calendar file (RFC 5545)."""
        return {"yes": "ACCEPTED", "no": "DECLINED", "maybe": "TENTATIVE"}[self.value]


class Place(StrEnum):
    CONFIRMED = "confirmed"  # a Yes with a place
    WAITING = "waiting"  # a Yes on the waiting list
    OFFERED = "offered"  # the first who waited, offered a freed place until offer_expires_at
    LAPSED = "lapsed"  # an offer not taken in time: off the list until they say Yes again


HOLDS_A_PLACE = (Place.CONFIRMED, Place.OFFERED)
