"""Links we put in emails: signed tokens carrying ids only, on the service's own base URLs."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.config import Settings
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class SubscriberRef:
    network_id: int
    subscriber_id: int
    topic_id: int | None = None


@dataclass(frozen=True)
class LinkBuilder:
    signer: TokenSigner
    public_base_url: str
    one_click_base_url: str
    unsubscribe_max_age_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkBuilder:
        return cls(
            TokenSigner(settings.signing_secrets),
            settings.public_base_url.rstrip("/"),
            settings.one_click_base_url.rstrip("/"),
            settings.unsubscribe_link_days * DAY_SECONDS,
        )

    def _token(self, purpose: TokenPurpose, ref: SubscriberRef) -> str:
        return self.signer.sign(purpose, {"n": ref.network_id, "s": ref.subscriber_id, "t": ref.topic_id})

    # Each link is a token and the URL around it; a composer that renders a message once for all its
    # readers puts a stand-in token in the URL and each reader's own token in its place.
    def unsubscribe_token(self, ref: SubscriberRef) -> str:
        return self._token(TokenPurpose.UNSUBSCRIBE, ref)

    def unsubscribe_url_with(self, token: str) -> str:
        return f"{self.public_base_url}/unsubscribe/{token}"

    def one_click_unsubscribe_url_with(self, token: str) -> str:
        return f"{self.one_click_base_url}/unsubscribe/{token}"

    def manage_token(self, ref: SubscriberRef) -> str:
        return self._token(TokenPurpose.MANAGE, SubscriberRef(ref.network_id, ref.subscriber_id))

    def manage_url_with(self, token: str) -> str:
        return f"{self.public_base_url}/preferences/{token}"

    def unsubscribe_url(self, ref: SubscriberRef) -> str:
        return self.unsubscribe_url_with(self.unsubscribe_token(ref))

    def one_click_unsubscribe_url(self, ref: SubscriberRef) -> str:
        return self.one_click_unsubscribe_url_with(self.unsubscribe_token(ref))

    def manage_url(self, ref: SubscriberRef) -> str:
        return self.manage_url_with(self.manage_token(ref))

    def attendee_token(self, network_id: int, meeting_id: int, subscriber_id: int) -> str:
        return self.signer.sign(
            TokenPurpose.MEETING_ATTENDEE, {"n": network_id, "m": meeting_id, "s": subscriber_id}
        )

    def answer_token(self, network_id: int, meeting_id: int, subscriber_id: int) -> str:
        return self.signer.sign(
            TokenPurpose.MEETING_ANSWER, {"n": network_id, "m": meeting_id, "s": subscriber_id}
        )

    @staticmethod
    def attendee_calendar_url_with(calendar_url: str, token: str) -> str:
        return f"{calendar_url}?attendee={token}"

    def read(self, purpose: TokenPurpose, token: str) -> SubscriberRef:
        """The ids a token carries; raises InvalidToken or ExpiredToken. Unsubscribe links never expire
        (they must work for as long as the email can be read); the others last `unsubscribe_link_days`."""
        max_age = None if purpose is TokenPurpose.UNSUBSCRIBE else self.unsubscribe_max_age_seconds
        payload = self.signer.verify(purpose, token, max_age_seconds=max_age)
        try:
            topic = payload.get("t")
            return SubscriberRef(int(payload["n"]), int(payload["s"]), None if topic is None else int(topic))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this link is not valid") from exc
