"""One Settings class; every value can be set with a TESSERA_* environment variable."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def packaged_file(package: str, name: str) -> Path:
    """A data file shipped inside a package (the wheel's copy, not the repository's)."""
    resource = files(package) / name
    if not isinstance(resource, Path):  # only a zipped install has no real path
        raise RuntimeError(f"{package}/{name}: install Tessera as files, not zipped")
    return resource


DEMO_PROGRAM = packaged_file("programs", "demo.toml")
DEV_SECRET = "tessera-development-secret-change-me-in-production"
MIN_SECRET_LENGTH = 32  # an HS256 key of at least 256 bits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESSERA_", extra="ignore")

    mongodb_url: str | None = Field(None, description="MongoDB URL; unset: in-memory mongomock")
    mongodb_database: str = "tessera"
    mongodb_serialize_writes: Literal["auto", "true", "false"] = Field(
        "auto",
        description="lock each document while writing it; auto: only on FerretDB, whose "
        "updates are not atomic (storage/serialized_writes.py)",
    )
    # A call that cannot reach MongoDB fails after these, not after pymongo's 30 s; the
    # same options in TESSERA_MONGODB_URL (serverSelectionTimeoutMS...) win over them.
    mongodb_server_selection_timeout_seconds: float = Field(
        3.0, gt=0, description="wait this long for a MongoDB server that can take a call"
    )
    mongodb_connect_timeout_seconds: float = Field(
        3.0, gt=0, description="wait this long to open a connection to MongoDB"
    )
    mongodb_socket_timeout_seconds: float = Field(
        10.0, gt=0, description="wait this long for one reply from MongoDB"
    )
    redis_url: str | None = Field(None, description="Redis URL for the event bus and workers")
    ready_timeout_seconds: float = Field(
        2.0, gt=0, description="/readyz: MongoDB and Redis must answer within this"
    )
    secret: SecretStr = Field(SecretStr(DEV_SECRET), description="HS256 key signing tokens")
    token_key_id: str = Field(
        "tessera", min_length=1, description="the kid of `secret`, in the tokens it signs"
    )
    previous_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="retired HS256 keys by kid, still verified while their tokens live "
        '(JSON: {"tessera-2026": "..."})',
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="origins whose pages may call /graphql (CORS) and open its WebSocket "
        '(JSON: ["https://app.example.com"])',
    )
    jwks_url: str | None = Field(
        None, description="the identity provider's JWKS: its RS256/ES256 tokens are accepted"
    )
    jwt_issuer: str | None = Field(None, description="the identity provider's `iss`")
    jwt_audience: str | None = Field(None, description="the `aud` its tokens must name")
    jwt_member_claim: str = Field("sub", description="its claim holding the member id")
    jwt_role_claim: str | None = Field(
        None, description="its claim that may give a staff role; unset: member tokens only"
    )
    program: Path = Field(
        DEMO_PROGRAM, description="the program file (TOML); default: the bundled demo"
    )
    demo: bool = Field(True, description="load demo members at start-up")
    host: str = "127.0.0.1"
    port: int = 8000
    production: bool = Field(False, description="mask unexpected errors, no GraphiQL")
    max_body_bytes: int = Field(64 * 1024, description="larger requests are refused (413)")
    body_timeout_seconds: float = Field(
        10.0, description="a request body not fully received by then is refused (408)"
    )
    header_timeout_seconds: float = Field(
        10.0, description="a connection that has not sent its request headers by then is closed"
    )
    rate_limit_failed_authentications: str = Field(
        "20/minute", description="bad tokens per client address before it is refused (429)"
    )
    rate_limit_requests_per_second: int = Field(
        50, description="requests per caller (role and subject; the address without a token)"
    )
    rate_limit_burst: int = Field(100, description="requests a caller may send at once")
    max_query_depth: int = 12
    max_query_cost: int = Field(
        10_000, description="fields an operation may select, lists times their page size"
    )
    relay_interval_seconds: float = Field(5.0, description="how often the outbox is swept")
    legacy_graphql_ws: bool = Field(False, description="also speak the old graphql-ws protocol")
    max_subscriptions_per_connection: int = 20
    max_connections_per_token: int = Field(
        10, description="live WebSockets and SSE streams per caller (role and subject)"
    )
    max_ws_message_bytes: int = Field(
        64 * 1024, description="larger WebSocket messages close the socket (1009)"
    )
    connection_init_timeout_seconds: float = 5.0
    ws_ping_seconds: float = Field(
        20.0, description="server pings on WebSockets; a peer silent this long twice is dropped"
    )
    subscription_queue_size: int = Field(
        64, description="updates queued per subscription before a slow consumer is dropped"
    )

    # Persisted operations (README "Persisted operations").
    trusted_documents_only: bool = Field(
        False, description="every caller but an admin runs trusted documents only, by id"
    )
    trusted_documents: dict[str, Path] = Field(
        default_factory=dict,
        description="manifests pushed at start-up, by owner (JSON: "
        '{"partner:skyways": "skyways.json", "app:member-app": "app.json"})',
    )

    # Observability and shutdown (README "Observability" and "Shutdown").
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="tessera serve and worker: the lowest level logged"
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="tessera serve and worker: one JSON object per line, or text"
    )
    metrics_token: SecretStr | None = Field(
        None, description="if set, /metrics (and the worker's) needs 'Bearer <token>'"
    )
    worker_metrics_port: int | None = Field(
        None, description="tessera worker serves /metrics on this port (on TESSERA_HOST)"
    )
    otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP collector for traces, e.g. http://127.0.0.1:4318"
    )
    shutdown_grace_seconds: float = Field(
        10.0, description="on SIGTERM, how long requests in flight (and jobs) may finish"
    )

    # Messaging: a channel with no provider configured goes to the sent-messages provider, which
    # stores what would have been sent in the sent_messages collection.
    smtp_host: str | None = Field(None, description="SMTP server for EMAIL; unset: outbox")
    smtp_port: int = 25
    smtp_sender: str = "Tessera <loyalty@tessera.invalid>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: bool = Field(False, description="implicit TLS (port 465); else STARTTLS if offered")
    push_webhook_url: str | None = Field(None, description="PUSH provider webhook; unset: outbox")
    sms_webhook_url: str | None = Field(None, description="SMS provider webhook; unset: outbox")
    wallet_webhook_url: str | None = Field(None, description="WALLET pass updates; unset: outbox")
    webhook_secret: SecretStr = Field(
        SecretStr(DEV_SECRET), description="HMAC key signing provider webhooks, both ways"
    )
    cron_interval_seconds: float = Field(
        30.0,
        description="embedded default: how often the in-process runner looks for cron jobs "
        "whose time came (each runs on its own schedule, workers/jobs.py)",
    )
    cron_page_size: int = Field(500, ge=1, description="members a cron sweep reads at a time")
    cron_members_per_run: int = Field(
        10_000, ge=1, description="members one run of a cron sweep does; the next run goes on"
    )
    cron_seconds_per_run: float = Field(
        60.0,
        ge=0,
        description="a cron sweep's run stops after this long (arq stops a job at 120 s) and "
        "the next run goes on",
    )
    send_lease_seconds: float = Field(
        60.0, description="a message SENDING longer than this is presumed orphaned and resumed"
    )


class UnsafeProduction(ValueError):
    """`TESSERA_PRODUCTION=true` with a development default left in place."""


def refuse_unsafe_production(settings: Settings) -> None:
    """In production, refuse to start on a development default, naming what to set."""
    if not settings.production:
        return
    problems = []
    if not settings.mongodb_url:
        problems.append("set TESSERA_MONGODB_URL (the embedded store keeps everything in memory)")
    if settings.demo:
        problems.append("set TESSERA_DEMO=false (demo members and their tokens are public)")
    if settings.secret.get_secret_value() == DEV_SECRET:
        problems.append("set TESSERA_SECRET (the development secret is public: anyone can sign)")
    elif len(settings.secret.get_secret_value()) < MIN_SECRET_LENGTH:
        problems.append(f"make TESSERA_SECRET at least {MIN_SECRET_LENGTH} characters")
    if any(
        len(k.get_secret_value()) < MIN_SECRET_LENGTH for k in settings.previous_secrets.values()
    ):
        problems.append(
            f"make each of TESSERA_PREVIOUS_SECRETS at least {MIN_SECRET_LENGTH} characters"
        )
    if settings.webhook_secret.get_secret_value() == DEV_SECRET:
        problems.append("set TESSERA_WEBHOOK_SECRET (the development secret is public)")
    if problems:
        raise UnsafeProduction("refused in production: " + "; ".join(problems))
