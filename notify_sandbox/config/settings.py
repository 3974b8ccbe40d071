"""What one sandbox serves: the service, its keys and templates, its limits, and how it misbehaves.

A SandboxConfig is built once (from CLI options, a JSON/TOML file, a state file or a seed) and never
changed afterwards; only faults and the clock change at runtime, and they live elsewhere.
"""

from __future__ import annotations

import ipaddress
import random
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from notify_sandbox.config.faults import FaultSettings

GENERIC_TEMPLATE_NAME = "Generic"
NOTIFY_EMAIL_DOMAIN = "notifications.service.gov.uk"
TRIAL_DAILY_LIMIT = 50  # what Notify gives a restricted (trial) service
LIVE_DAILY_LIMIT = 250_000


class KeyType(StrEnum):
    NORMAL = "normal"  # Notify's "live" key
    TEAM = "team"
    TEST = "test"

    @property
    def label(self) -> str:
        """The name Notify shows in messages and we use in env names: LIVE, TEAM or TEST."""
        return "LIVE" if self is KeyType.NORMAL else self.value.upper()

    @property
    def docs_name(self) -> str:
        """The name Notify's API keys page gives it: "Live", "Team and guest list" or "Test"."""
        return {"normal": "Live", "team": "Team and guest list", "test": "Test"}[self.value]

    @classmethod
    def parse(cls, text: str) -> KeyType:
        lowered = text.strip().lower()
        return cls.NORMAL if lowered == "live" else cls(lowered)


class Outcome(StrEnum):
    """How a stored email ends."""

    DELIVERED = "delivered"
    PERMANENT_FAILURE = "permanent-failure"
    TEMPORARY_FAILURE = "temporary-failure"
    TECHNICAL_FAILURE = "technical-failure"
    TIMEOUT = "timeout"  # no receipt ever comes: stays `sending` until Notify's 72 h sweep


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _uuid_text(value: str) -> str:
    return str(uuid.UUID(str(value)))


def _new_uuid(rng: random.Random | None) -> str:
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class ApiKeySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    key_type: KeyType
    secret: str
    revoked: bool = False

    @field_validator("secret")
    @classmethod
    def _secret_is_uuid(cls, value: str) -> str:
        return _uuid_text(value)


class TemplateVersionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str | None = None
    body: str


class TemplateSpec(BaseModel):
    """A template and its history; `previous_versions` are versions 1..n-1, the fields are the latest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    type: str = Field(default="email", pattern="^(email|sms|letter)$")
    subject: str | None = None
    body: str
    archived: bool = False
    reply_to_text: str | None = None
    created_by: str = "sandbox-team@example.gov.uk"
    previous_versions: tuple[TemplateVersionSpec, ...] = ()

    @field_validator("id")
    @classmethod
    def _id_is_uuid(cls, value: str) -> str:
        return _uuid_text(value)

    @property
    def version(self) -> int:
        return len(self.previous_versions) + 1

    def latest(self) -> TemplateVersionSpec:
        return TemplateVersionSpec(subject=self.subject, body=self.body)

    def at_version(self, version: int) -> TemplateVersionSpec | None:
        if version == self.version:
            return self.latest()
        if 1 <= version < self.version:
            return self.previous_versions[version - 1]
        return None


class ReplyToSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    address: str
    default: bool = False

    @field_validator("id")
    @classmethod
    def _id_is_uuid(cls, value: str) -> str:
        return _uuid_text(value)


SERVICE_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class ServiceConfig(BaseModel):
    """One Notify service the sandbox hosts: its id, keys, templates, sender, limits and callbacks.

    `name` is a short label (`[a-z][a-z0-9_]*`) for the printed settings and the outbox filter.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="default", pattern=SERVICE_NAME_PATTERN)
    service_id: str
    service_name: str = "Notifier sandbox"
    email_sender_local_part: str = "notifier.sandbox"
    archived: bool = False
    trial_mode: bool = False
    api_keys: tuple[ApiKeySpec, ...]
    generic_template_id: str
    templates: tuple[TemplateSpec, ...] = ()
    rate_limit: int = Field(default=3000, ge=1)
    daily_limit: int | None = Field(default=None, ge=0)
    team_members: tuple[str, ...] = ()
    guest_list: tuple[str, ...] = ()
    reply_to: tuple[ReplyToSpec, ...] = ()
    callback_url: str | None = None
    callback_token: str | None = None
    callback_timeout_seconds: float = Field(default=5.0, gt=0)
    callback_retries: int = Field(default=5, ge=0)
    callback_retry_seconds: float = Field(default=300.0, ge=0)

    @field_validator("service_id", "generic_template_id")
    @classmethod
    def _ids_are_uuids(cls, value: str) -> str:
        return _uuid_text(value)

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        for key_type in KeyType:
            if not any(k.key_type is key_type and not k.revoked for k in self.api_keys):
                raise ValueError(f"api_keys needs a usable {key_type.label} key")
        if self.callback_url is not None:
            parts = urlsplit(self.callback_url)
            plain_http_ok = parts.scheme == "http" and is_loopback_host(parts.hostname)
            if not (parts.scheme == "https" or plain_http_ok) or not parts.hostname:
                raise ValueError("callback_url must be https (plain http only to a loopback host)")
            if not self.callback_token or len(self.callback_token) < 10:
                raise ValueError("callback_token must be at least 10 characters, as Notify requires")
        if sum(1 for r in self.reply_to if r.default) > 1:
            raise ValueError("only one reply_to address can be the default")
        return self

    @property
    def effective_daily_limit(self) -> int:
        if self.daily_limit is not None:
            return self.daily_limit
        return TRIAL_DAILY_LIMIT if self.trial_mode else LIVE_DAILY_LIMIT

    @property
    def from_address(self) -> str:
        return f"{self.email_sender_local_part}@{NOTIFY_EMAIL_DOMAIN}"

    @property
    def default_reply_to(self) -> str | None:
        return next((r.address for r in self.reply_to if r.default), None)

    def generic_template(self) -> TemplateSpec:
        return TemplateSpec(
            id=self.generic_template_id,
            name=GENERIC_TEMPLATE_NAME,
            subject="((subject))",
            body="((body))",
            created_by=self.from_address,
        )

    def all_templates(self) -> list[TemplateSpec]:
        return [self.generic_template(), *self.templates]

    def key_string(self, key_type: KeyType) -> str:
        """The first usable key of this type, in Notify's `{name}-{service_id}-{secret}` form."""
        spec = next(k for k in self.api_keys if k.key_type is key_type and not k.revoked)
        return f"{spec.name}-{self.service_id}-{spec.secret}"

    def env(self, base_url: str) -> dict[str, str]:
        """The settings notifier needs to talk to this service, in the order they are printed."""
        values = {f"NOTIFIER_NOTIFY_API_KEY_{t.label}": self.key_string(t) for t in KeyType}
        values["NOTIFIER_NOTIFY_TEMPLATE_ID"] = self.generic_template_id
        values["NOTIFIER_NOTIFY_BASE_URL"] = base_url
        return values

    def named_env(self) -> dict[str, str]:
        """This service's block when a sandbox hosts several: `NOTIFIER_NOTIFY_SERVICE_<NAME>_*`."""
        prefix = f"NOTIFIER_NOTIFY_SERVICE_{self.name.upper()}_"
        values = {f"{prefix}ID": self.service_id}
        values |= {f"{prefix}API_KEY_{t.label}": self.key_string(t) for t in KeyType}
        values[f"{prefix}TEMPLATE_ID"] = self.generic_template_id
        if self.callback_url and self.callback_token:
            values[f"{prefix}CALLBACK_TOKEN"] = self.callback_token
        return values


class SandboxConfig(ServiceConfig):
    """Everything one sandbox serves: its first service (the inherited fields), any `more_services`,
    and what all of them share (status timings, outcomes, faults). Build with
    `SandboxConfig.generate(...)` or `loading.load_config(...)`."""

    more_services: tuple[ServiceConfig, ...] = ()
    sending_delay_seconds: float = Field(default=0.2, ge=0)
    final_delay_seconds: float = Field(default=0.5, ge=0)
    outcomes: dict[str, Outcome] = Field(default_factory=dict)
    faults: FaultSettings = Field(default_factory=FaultSettings)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("outcomes")
    @classmethod
    def _lower_outcome_addresses(cls, value: dict[str, Outcome]) -> dict[str, Outcome]:
        return {address.strip().lower(): outcome for address, outcome in value.items()}

    @model_validator(mode="after")
    def _check_sandbox(self) -> Self:
        if self.final_delay_seconds < self.sending_delay_seconds:
            raise ValueError("final_delay_seconds must not be shorter than sending_delay_seconds")
        for label, values in (
            ("name", [s.name for s in self.services]),
            ("service_id", [s.service_id for s in self.services]),
        ):
            if repeated := sorted({v for v in values if values.count(v) > 1}):
                raise ValueError(f"each service needs its own {label}; repeated: {', '.join(repeated)}")
        return self

    @classmethod
    def generate(cls, seed: int | None = None, **fields: Any) -> SandboxConfig:
        """A config with fresh ids and secrets (reproducible with `seed`) and any other fields given."""
        identity = Identity.generate(seed)
        return cls.model_validate({**identity.as_config_fields(), **fields})

    @property
    def services(self) -> tuple[ServiceConfig, ...]:
        """Every hosted service, the first (this config's own fields) first."""
        return (self, *self.more_services)

    def find_service(self, name_or_id: str) -> ServiceConfig | None:
        lowered = name_or_id.strip().lower()
        return next((s for s in self.services if lowered in (s.name, s.service_id)), None)


class Identity(BaseModel):
    """The part of a config that must survive restarts in dev mode: ids and secrets."""

    model_config = ConfigDict(extra="forbid")

    service_id: str
    generic_template_id: str
    secrets: dict[KeyType, str]

    @classmethod
    def generate(cls, seed: int | str | None = None) -> Identity:
        rng = random.Random(seed) if seed is not None else None
        service_id, template_id = _new_uuid(rng), _new_uuid(rng)
        return cls(
            service_id=service_id,
            generic_template_id=template_id,
            secrets={t: _new_uuid(rng) for t in KeyType},
        )

    def as_config_fields(self) -> dict[str, Any]:
        keys = [
            ApiKeySpec(name=f"sandbox-{t.label.lower()}", key_type=t, secret=self.secrets[t]) for t in KeyType
        ]
        return {
            "service_id": self.service_id,
            "generic_template_id": self.generic_template_id,
            "api_keys": keys,
        }
