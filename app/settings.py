"""One Settings class; every value can be set with a TESSERA_* environment variable."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "demo.toml"
DEV_SECRET = "tessera-development-secret-change-me-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESSERA_", extra="ignore")

    mongodb_url: str | None = Field(None, description="MongoDB URL; unset: in-memory mongomock")
    mongodb_database: str = "tessera"
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
