"""Settings from `MARKETPLACE_*` environment variables (pydantic-settings)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marketplace.adapters.postgres import DatabaseTimeouts

# What a multipart upload carries besides its file: boundaries, part headers, a title.
UPLOAD_FRAMING_BYTES = 64 * 1024


class Settings(BaseSettings):
    """Everything the platform reads from its environment; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="MARKETPLACE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("marketplace-data"),
        description="Embedded default: folder of the SQLite event store and read models.",
    )
    database_url: str | None = Field(
        default=None, description="postgresql://user:pass@host:port/db — use PostgreSQL."
    )
    database_schema: str = Field(
        default="public",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema that holds the event store.",
    )
    read_model_schema: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema of the read models; default `read_models`, or "
        "`<database_schema>_read_models` when the event store is not in `public`.",
    )
    database_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Seconds a wait for PostgreSQL may take (connecting, a pooled connection) "
        "before the request answers 503 store_unavailable.",
    )
    database_statement_timeout: float = Field(
        default=10.0,
        ge=0,
        description="Seconds one SQL statement of the service may run (0: unbounded). The "
        "command line's long work (imports, rebuilds, verification, replays) runs unbounded.",
    )
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes sharing the port (`serve --workers`); on PostgreSQL with "
        "`marketplace relay` and `marketplace project` beside them.",
    )
    projection_poll_interval: float = Field(
        default=0.5, gt=0, description="Seconds between in-process projection catch-ups."
    )
    projection_batch_size: int = Field(default=500, ge=1, le=50_000)
    notify_poll_interval: float = Field(
        default=0.25,
        gt=0,
        le=5,
        description="Seconds between the notifier's looks for new events and due deliveries.",
    )
    notify_concurrency: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Subscriptions sent to at once (each in order, one delivery at a time).",
    )
    reminder_lead_hours: float = Field(
        default=24,
        gt=0,
        le=24 * 30,
        description="Hours before a bid, catalog submission or rectification deadline that "
        "its unit is reminded of it (once).",
    )
    projection_catch_up_at_start: int = Field(
        default=2_000,
        ge=0,
        description="In-process feed: read models at most this many events behind the store "
        "are caught up before the API serves; further behind, they catch up in the background "
        "and reads meanwhile say their lag (X-Read-Model-Lag).",
    )
    kafka_bootstrap: str | None = Field(
        default=None, description="host:port[,host:port] of the Kafka brokers."
    )
    kafka_topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]{0,100}$",
        description="Prefix of every topic name (separates environments, tests).",
    )
    kafka_partitions: int = Field(default=6, ge=1, description="Partitions of created topics.")
    kafka_replication_factor: int = Field(
        default=1, ge=1, description="Replication factor of created topics (3 in production)."
    )
    kafka_retention_ms: int = Field(
        default=-1,
        ge=-1,
        description="retention.ms of created topics: -1 keeps every event forever, so a BI "
        "system subscribing late reads the whole history from Kafka.",
    )
    kafka_min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        description="min.insync.replicas of created topics; default 2 when the replication "
        "factor is 3 or more, else 1 (with acks=all, one broker may be away).",
    )
    kafka_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        default="none",
        description="Compression of the relay's record batches (consumers decompress "
        "whatever a batch says): lz4 or zstd in production cut the topics' disk and network.",
    )
    # The default partition count: every partition at once (bench: 0.29 -> 0.59 of HTTP).
    intake_concurrency: int = Field(
        default=6,
        ge=1,
        le=64,
        description="Command intake: partitions of `marketplace.commands` handled at once by "
        "one process (each in order).",
    )
    relay_batch_size: int = Field(default=2000, ge=1, le=50_000)
    relay_poll_interval: float = Field(
        default=0.2, gt=0, description="Seconds between polls of the event store when idle."
    )
    heartbeat_interval: float = Field(
        default=5.0, gt=0, le=300, description="Seconds between a worker's heartbeats."
    )
    heartbeat_stale_after: float = Field(
        default=30.0,
        gt=0,
        description="Seconds without a heartbeat after which /health calls a worker stale.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; a larger one is answered 413.",
    )
    max_document_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest technical document a catalog entry takes (413 beyond), counted "
        "while the upload streams in; only the document upload routes take a body this large.",
    )
    document_store: Literal["directory", "postgres"] = Field(
        default="directory",
        description="Where documents' bytes live: a folder (`documents_dir`), or PostgreSQL "
        "large objects beside the event store (only with `database_url`).",
    )
    documents_dir: Path | None = Field(
        default=None,
        description="The documents' folder; default `<data_dir>/documents`.",
    )
    max_header_bytes: int = Field(
        default=16_384,
        ge=1024,
        le=1_048_576,
        description="Largest request target, and largest sum of request headers, accepted "
        "(414/431 beyond); the server drops a request head over four times this.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: SecretStr | None = Field(
        default=None, description="Bootstrap hq_admin token (generated when embedded and unset)."
    )
    token_max_lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="Longest life of a new token, in days: one issued without `expires_at` "
        "expires after it, one asking for longer is refused (unset: tokens may live forever).",
    )
    audit_replay_keep_hours: float = Field(
        default=24,
        gt=0,
        description="Hours an as-of replay requested over the API is kept before it is removed.",
    )
    idempotency_wait_seconds: float = Field(
        default=10,
        gt=0,
        le=120,
        description="Seconds a write waits for an earlier request with its Idempotency-Key to "
        "answer before it is refused with 409 idempotency_key_in_progress.",
    )
    idempotency_lease_seconds: float = Field(
        default=120,
        ge=1,
        le=3600,
        description="Seconds a request holds its Idempotency-Key: after it a retry takes the key "
        "over (runs again if nothing was stored, else answers 409 idempotency_answer_lost).",
    )
    portal_session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=7 * 24 * 60,
        description="Minutes without a page request after which a portal session ends.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="The group's time zone (IANA name): catalog effective dates are its days.",
    )
    seal_key: SecretStr | None = Field(
        default=None,
        description="Base64 of 32 random bytes sealing bid amounts (every instance of a "
        "deployment must share one); overrides the key file.",
    )
    seal_key_file: Path | None = Field(
        default=None,
        description="File holding the seal key (created 0600 with a new store); default "
        "`$XDG_CONFIG_HOME/marketplace/seal-<store id>.key`, never inside the data directory.",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="smtp://[user:pass@]host[:port] (STARTTLS when the server offers it) or "
        "smtps://… — the server e-mail notifications are sent through (unset: none are sent).",
    )
    mail_from: str = Field(
        default="marketplace@localhost",
        pattern=r"^[^@\s]+@[^@\s]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$",
        description="From address of e-mail notifications (`name@domain` or "
        "`Name <name@domain>`); its domain ends their Message-IDs.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of `GET /metrics` for `relay`, `project`, `notify` and `intake` (each "
        "process its own; unset: they serve none). `serve` answers /metrics on its own port.",
    )
    metrics_host: str | None = Field(
        default=None,
        description="Bind address of the workers' /metrics (default: MARKETPLACE_HOST).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="A bearer token that reads /metrics (besides hq_admin tokens) where it is "
        "not bound to loopback; give Prometheus this one.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("smtp_url")
    @classmethod
    def smtp_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("smtp://", "smtps://")):
            raise ValueError("an SMTP URL starts with smtp:// or smtps://")
        return value

    @property
    def request_limits(self) -> dict[str, int]:
        return {
            "max_body_bytes": self.max_body_bytes,
            "max_header_bytes": self.max_header_bytes,
            "max_upload_bytes": self.max_document_bytes + UPLOAD_FRAMING_BYTES,
        }

    @property
    def documents_path(self) -> Path:
        return self.documents_dir or self.data_dir / "documents"

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        return DatabaseTimeouts(
            connect=self.database_timeout, statement=self.database_statement_timeout or None
        )

    def for_long_work(self) -> Settings:
        """These settings without a statement timeout (for the command line's bulk work)."""
        return self.model_copy(update={"database_statement_timeout": 0.0})

    @property
    def token_max_lifetime(self) -> timedelta | None:
        days = self.token_max_lifetime_days
        return timedelta(days=days) if days else None

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "events.sqlite3"

    @property
    def read_models_path(self) -> Path:
        return self.data_dir / "read_models.sqlite3"

    @property
    def read_models_schema(self) -> str:
        """Beside the event store's schema, so two stores in one database never share one."""
        if self.read_model_schema:
            return self.read_model_schema
        if self.database_schema == "public":
            return "read_models"
        return f"{self.database_schema}_read_models"[:63]
