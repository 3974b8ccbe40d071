"""Settings for every notifier process, read once from the environment (prefix NOTIFIER_) and .env.

A process builds one Settings at start-up and passes it down; nothing imports a global instance.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from notifier import settings_checks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"

DEV_SECRET = "dev-secret"  # noqa: S105  (the dev default; refused outside dev)


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class NotifyKeyType(StrEnum):
    LIVE = "live"
    TEAM = "team"
    TEST = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NOTIFIER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEV
    var_dir: Path = DEFAULT_VAR_DIR

    # Storage and queue. The embedded default needs no servers: SQLite and kombu's SQLAlchemy transport.
    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR / 'notifier.db'}"
    broker_url: str = f"sqla+sqlite:///{DEFAULT_VAR_DIR / 'broker.db'}"
    redis_url: str | None = Field(default=None, description="Fleet mode: the shared rate limiter lives here")
    # Where the TaskQueue implementation lives: notifier itself never imports Celery.
    task_queue_factory: str = "workers.dispatch:build_task_queue"

    # GOV.UK Notify (or the local sandbox, which prints these values when it starts).
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_api_key_live: SecretStr = SecretStr("")
    notify_api_key_team: SecretStr = SecretStr("")
    notify_api_key_test: SecretStr = SecretStr("")
    notify_key_type: NotifyKeyType = NotifyKeyType.LIVE
    notify_template_id: str = ""
    notify_timeout_seconds: float = 10.0
    notify_callback_token: SecretStr = SecretStr(DEV_SECRET)

    # Keys (docs/operations.md, "Keys"). Signing keys sign links in emails, forms' CSRF tokens and admin
    # sign-in links: comma-separated, newest first; the newest signs, every one verifies, so a key is
    # rotated by putting a new one first and dropping the old one once its links may go. Empty: the one
    # NOTIFIER_SECRET_KEY (what deployments set before keys could rotate).
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    signing_keys: SecretStr = SecretStr("")
    # Keys the hashes of addresses (suppressions outlive a person's erased data and must still match
    # their address), so it is never rotated. Empty: NOTIFIER_SECRET_KEY, as before keys could rotate.
    suppression_hash_key: SecretStr = SecretStr("")
    # Fernet keys (comma-separated, newest first) that encrypt secrets kept at rest, such as a network's
    # own Notify API keys. Empty (refused in production): one key derived from NOTIFIER_SECRET_KEY.
    # Rotate by putting a new key first, running `notifier network notify rotate-encryption`, then
    # dropping the old key.
    encryption_keys: SecretStr = SecretStr("")
    public_base_url: str = "http://127.0.0.1:8000"
    # The one-click unsubscribe URL Notify puts in List-Unsubscribe; Notify accepts https only.
    one_click_base_url: str = "https://127.0.0.1:8443"
    # Preferences links in emails work this long; unsubscribe links never expire (services/common/links.py).
    unsubscribe_link_days: int = Field(default=365, ge=1)

    # Sending.
    rate_limit_per_minute: int = Field(default=3000, ge=1)
    rate_limit_burst: int = Field(default=1000, ge=1)
    transactional_reserve: int = Field(
        default=100, ge=0, description="Tokens of the burst that only the transactional lane may take"
    )
    send_threads: int = Field(default=8, ge=1, le=64)
    fanout_batch_size: int = Field(default=5000, ge=1)
    # Slices of one large audience fanned out at once, each by its own chain of tasks; about the cores
    # PostgreSQL has to spare. SQLite takes one writer at a time, so it always uses one.
    fanout_parallelism: int = Field(default=2, ge=1, le=16)
    send_chunk_size: int = Field(default=100, ge=1)
    stuck_after_seconds: int = Field(default=300, ge=5)
    # Tries of one delivery whose outcome stays unknown (5xx, timeout, reset; Notify has no record of its
    # reference) or that keeps failing retryably; then it ends technical_failure with the last error.
    send_max_attempts: int = Field(default=8, ge=1, le=100)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)
    # Delivery engine at scale (issue 7).
    # Our bucket refills this share below Notify's rate, so requests bunched by latency never meet a 429.
    rate_limit_headroom: float = Field(default=0.02, ge=0.0, lt=0.5)
    # A bulk chunk gives its thread back after this long (and re-queues the rest), so a transactional
    # task waiting behind a big send gets a thread within about this many seconds.
    send_time_budget_seconds: float = Field(default=2.0, gt=0)
    # Deliveries a send task claims and records together; unset: 20 on PostgreSQL, 5 on SQLite, where
    # every transaction holds the one write lock and shorter ones keep the web app's commits moving.
    send_group_size: int | None = Field(default=None, ge=1, le=500)
    # Notify calls one worker process makes at once: a thread pool shared by its task threads, each pool
    # thread with its own Notify client, so a group's emails are not sent one latency after another.
    send_calls_in_flight: int = Field(default=32, ge=1, le=256)
    # Each worker process serves Prometheus metrics on this port (0: none); `notifier worker --metrics-port`.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)

    # Subscribers.
    confirm_link_days: int = Field(default=7, ge=1)
    # People an admin imports or adds to a topic are asked to confirm by email: their link lasts this
    # long, with one reminder after IMPORT_REMINDER_AFTER (7 days); unconfirmed, they are deleted then.
    import_confirm_days: int = Field(default=14, ge=8, le=28)
    temporary_failures_before_suppression: int = Field(default=3, ge=1)
    # Subscribe/join forms per client address: at most this many submissions per window.
    subscribe_rate_limit: int = Field(default=10, ge=1)
    subscribe_rate_window_seconds: int = Field(default=600, ge=1)
    # Web: the proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or CIDR ranges);
    # empty by default, so no header can choose the client address the form limits count by.
    trusted_proxies: str = ""
    # Client addresses are personal data: the access log leaves them out unless this is turned on.
    log_client_addresses: bool = False

    # Retention and data-subject rights (services/privacy/retention.py, services/privacy/rights.py).
    # Delivery rows lose their link to the person after this many days; ids and counts stay.
    delivery_link_days: int = Field(default=90, ge=1, le=181)
    # Notify keeps its own copy of each email this long (its service setting, 7 days by default):
    # an erasure is reported complete only once this has passed since the person's last email.
    notify_retention_days: int = Field(default=7, ge=1, le=90)
    data_request_link_days: int = Field(default=7, ge=1, le=28)  # the emailed verification link's life
    retention_batch_size: int = Field(default=5000, ge=1)  # rows per bounded retention batch
    retention_interval_seconds: float = Field(default=86_400.0, gt=0)  # beat runs retention daily
    # Deliveries created this many months ago are folded into per-message tallies and deleted, at the
    # retention job's interval (services/privacy/folding.py): reports stay, the table stops growing.
    delivery_fold_months: int = Field(default=13, ge=1, le=120)

    # Event sources (services/sources/: meetings.py, digests.py, announcements.py).
    meeting_reminder_minutes: int = Field(default=1440, ge=5, description="Default reminder lead time")
    meeting_link_days: int = Field(default=400, ge=1, description="How long meeting links in emails work")
    meeting_place_offer_hours: int = Field(
        default=48, ge=1, le=24 * 14, description="How long a freed place is offered to the next who waits"
    )
    meeting_max_hours: int = Field(default=24, ge=1, le=24 * 14, description="The longest a meeting may last")
    event_sources_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often beat sends due reminders, announcements and digests"
    )

    # Pages (notifier/web/pages.py). A staff network is not a GOV.UK service: its pages wear its own name,
    # colour and logo in GOV.UK Frontend's Generic header, without the crown, GOV.UK logotype or GDS
    # Transport font. Only a deployment that is on GOV.UK turns the GOV.UK brand back on.
    govuk_brand: bool = False
    service_name: str = Field(default="Staff network emails", min_length=1, max_length=100)

    # The steering group's web admin (services/admin/web_sessions.py).
    admin_sign_in_link_minutes: int = Field(default=15, ge=1, le=60)  # the emailed sign-in link's life
    admin_session_idle_minutes: int = Field(default=30, ge=1)  # signed out after this long unused
    admin_session_hours: int = Field(default=12, ge=1, le=24)  # and this long after signing in, whatever
    admin_invitation_days: int = Field(default=7, ge=1, le=28)  # an emailed invitation's one-time link
    # Asking for a sign-in link, counted apart from the public forms: real requests only (a form with
    # no valid address is not one), per client address and per work address, in a sliding window.
    admin_sign_in_client_limit: int = Field(default=20, ge=1)
    admin_sign_in_address_limit: int = Field(default=5, ge=1)
    admin_sign_in_window_seconds: int = Field(default=900, ge=60)
    # Steering-group turnover (services/admin/turnover.py): a role is suspended after this many months
    # without a sign-in (its holder is told how to come back).
    admin_inactive_months: int = Field(default=6, ge=1, le=24)

    # The members' archive (services/archive/): readers sign in by an emailed one-time link to a
    # session of their own, separate from the admins'. Items hold no personal data, so they are kept
    # for ever unless a number of months is set (0: for ever).
    archive_sign_in_link_minutes: int = Field(default=30, ge=1, le=60)
    archive_session_idle_days: int = Field(default=14, ge=1, le=90)
    archive_session_days: int = Field(default=90, ge=1, le=400)
    archive_retention_months: int = Field(default=0, ge=0, le=1200)

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # /docs, /redoc and /openapi.json; unset: served everywhere but production.
    api_docs: bool | None = None
    # GET /metrics needs `Authorization: Bearer <this>` when set; in production, unset means no /metrics
    # on the web app (workers serve theirs on NOTIFIER_WORKER_METRICS_PORT, inside the private network).
    metrics_token: SecretStr = SecretStr("")
    # GOV.UK Frontend's built files (its dist/govuk folder); unset: the copy shipped inside the package,
    # else node_modules/ of a checkout (notifier/resources.py).
    govuk_frontend_dir: Path | None = None

    # Connections each process may open to PostgreSQL: pool size plus overflow (docs/operations.md,
    # "Connection budget"). SQLite ignores both.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)

    # Beat (workers/beat.py): only the beat holding the lock sends jobs; every beat writes a heartbeat
    # file that `notifier beat --check` reads.
    beat_lock_retry_seconds: float = Field(default=5.0, gt=0, le=300)
    beat_heartbeat_max_age_seconds: float = Field(default=60.0, gt=0)

    @property
    def notify_api_key(self) -> str:
        keys = {
            NotifyKeyType.LIVE: self.notify_api_key_live,
            NotifyKeyType.TEAM: self.notify_api_key_team,
            NotifyKeyType.TEST: self.notify_api_key_test,
        }
        return keys[self.notify_key_type].get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def signing_secrets(self) -> tuple[str, ...]:
        """The signing keys, newest first: NOTIFIER_SIGNING_KEYS, else NOTIFIER_SECRET_KEY alone."""
        listed = tuple(k.strip() for k in self.signing_keys.get_secret_value().split(",") if k.strip())
        return listed or (self.secret_key.get_secret_value(),)

    @property
    def hash_key(self) -> str:
        """The key of address hashes (suppressions, lookups): never rotated."""
        return self.suppression_hash_key.get_secret_value() or self.secret_key.get_secret_value()

    @property
    def serves_api_docs(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment is not Environment.PRODUCTION

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> Self:
        if self.environment is not Environment.DEV:
            found = settings_checks.problems(self, production=self.environment is Environment.PRODUCTION)
            if found:
                raise ValueError("; ".join(found))
        return self


def describe_invalid(error: ValidationError) -> str:
    """A Settings error as one line naming each setting, for a process that refuses to start."""
    parts = []
    for problem in error.errors(include_url=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        location = problem["loc"]
        parts.append(f"NOTIFIER_{str(location[0]).upper()}: {message}" if location else message)
    return "; ".join(parts)
