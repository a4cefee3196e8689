"""Settings shared by every service; each service subclasses `ServiceSettings`.

All variables carry the prefix XN_ (e.g. XN_KAFKA_BOOTSTRAP). Only a service's `main.py` builds
its settings; everything else receives values explicitly, so tests build their own."""

from __future__ import annotations

import socket
from typing import Literal

from pydantic import AwareDatetime, Field, PostgresDsn, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "xiaoneng"}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XN_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses placeholder secrets")
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    database_url: PostgresDsn = Field(
        "postgresql+asyncpg://xiaoneng:xiaoneng@127.0.0.1:5432/xiaoneng",
        description="PostgreSQL DSN (asyncpg driver); each service uses its own schema")
    db_pool_size: int = Field(5, ge=1, le=100)
    log_level: str = Field("INFO")
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: console on a terminal, JSON otherwise")
    http_host: str = Field("127.0.0.1", description="health/metrics (and intake API) bind host")
    http_port: int = Field(8000, description="health/metrics (and intake API) port")
    max_attempts: int = Field(5, ge=1, description="handler attempts before dead-lettering")
    retry_backoff_s: float = Field(0.2, gt=0, description="first retry delay, doubled per try")
    retry_backoff_max_s: float = Field(10.0, gt=0)
    outbox_poll_s: float = Field(0.2, gt=0, description="relay poll interval when idle")
    kafka_instance_id: str | None = Field(
        None, description="static consumer-group membership: a name for this process, unique "
                          "among the service's replicas and kept across its restarts (e.g. "
                          "notify-1; {hostname} is replaced by the host's name); a restarted "
                          "process resumes at once instead of after the dead one's ~10 s "
                          "session. Unset: dynamic membership")
    topic_partitions: int = Field(4, ge=1, description="partitions of topics created at start")
    topic_replication: int = Field(1, ge=1, description="replication factor of those topics")
    topic_prefix: str = Field(
        "", description="namespace for every topic and consumer group (read by shared.topics)")
    clock_epoch: AwareDatetime | None = Field(
        None, description="demo/test: virtual time at clock_anchor (unset = real time)")
    clock_speed: float = Field(1.0, gt=0, description="demo/test: virtual seconds per real second")
    clock_anchor: float | None = Field(
        None, description="unix time at which virtual time equals clock_epoch")

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, v: PostgresDsn) -> PostgresDsn:
        if v.scheme != "postgresql+asyncpg":
            raise ValueError("database_url must use the postgresql+asyncpg scheme")
        return v

    @field_validator("kafka_instance_id")
    @classmethod
    def _expand_hostname(cls, v: str | None) -> str | None:
        # A container keeps its host name across restarts and each replica has its own, so
        # "notify-{hostname}" is stable for one replica and unique among several.
        return v.replace("{hostname}", socket.gethostname()) if v else None

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> ServiceSettings:
        if self.environment == "production" and self.database_url.hosts()[0].get("password") in PLACEHOLDER_SECRETS:
            raise ValueError("XN_DATABASE_URL carries a placeholder password in production")
        return self

    @property
    def database_dsn(self) -> str:
        return str(self.database_url)
