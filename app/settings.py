"""One Settings class; every value can be set with a TESSERA_* environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "demo.toml"
DEV_SECRET = "tessera-development-secret-change-me-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESSERA_", extra="ignore")

    mongodb_url: str | None = Field(None, description="MongoDB URL; unset: in-memory mongomock")
    mongodb_database: str = "tessera"
    mongodb_serialize_writes: Literal["auto", "true", "false"] = Field(
        "auto",
        description="lock each document while writing it; auto: only on FerretDB, whose "
        "updates are not atomic (storage/serialized_writes.py)",
    )
    redis_url: str | None = Field(None, description="Redis URL for the event bus and workers")
    secret: SecretStr = Field(SecretStr(DEV_SECRET), description="HS256 key signing tokens")
    program: Path = Field(DEMO_PROGRAM, description="the program file (TOML)")
    demo: bool = Field(True, description="load demo members at start-up")
    host: str = "127.0.0.1"
    port: int = 8000
    production: bool = Field(False, description="mask unexpected errors, no GraphiQL")
    max_body_bytes: int = Field(64 * 1024, description="larger requests are refused (413)")
    max_query_depth: int = 12
    relay_interval_seconds: float = Field(5.0, description="how often the outbox is swept")
    legacy_graphql_ws: bool = Field(False, description="also speak the old graphql-ws protocol")
    max_subscriptions_per_connection: int = 20
    max_connections_per_token: int = 10
    connection_init_timeout_seconds: float = 5.0
    ws_ping_seconds: float = Field(
        20.0, description="server pings on WebSockets; a peer silent this long twice is dropped"
    )
    subscription_queue_size: int = Field(
        64, description="updates queued per subscription before a slow consumer is dropped"
    )

    # Messaging: a channel with no provider configured goes to the outbox provider, which
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
        30.0, description="embedded default: how often the in-process cron jobs run"
    )
    send_lease_seconds: float = Field(
        60.0, description="a message SENDING longer than this is presumed orphaned and resumed"
    )
