"""Settings: built-in defaults < kairos.toml < KAIROS_* environment variables.

Every process (web, worker, beat, flower, CLI) reads settings the same way, so the whole
fleet agrees on them. A wrong value stops the process with one line that names the key.
Secrets are read from the environment only; in development a random one is generated once
and kept under ``var/`` so restarts keep sessions valid.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ENV_PREFIX = "KAIROS_"
SECRET_KEYS = (
    "secret_key",
    "api_key",
    "flower_basic_auth",
    "llm_api_key",
    "blob_secret_access_key",
    "smtp_password",
    "smtp_url",
)


# Secrets the file may hold all the same: seed 000's config.toml documents its `api_key`.
FILE_SECRETS = ("api_key",)
# Seed 000's `[api]` table: the keys it documents, read as the same settings.
API_TABLE = ("bind", "auth", "api_key")


class ConfigError(SystemExit):
    """Raised for a bad setting; as a SystemExit it ends the process with its one-line message."""

    def __init__(self, key: str, problem: str):
        self.key = key
        super().__init__(f"kairos: configuration error: {key}: {problem}")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    bind: str = "127.0.0.1:3001"
    flower_bind: str = "127.0.0.1:5555"
    var_dir: str = "var"
    database_url: str = ""
    redis_url: str = ""
    # Task messages only (e.g. amqp://…); Redis keeps events, rate limits, locks and caches.
    broker_url: str = ""
    auth: str = "jwt"
    # Seed 000's static key (`api_key`, KAIROS_API_KEY; sent as X-Kairos-Key or Bearer): it
    # acts as the installation's local owner, like a request in `auth = "none"` mode.
    api_key: str = field(default="", repr=False)
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    invite_ttl: int = 7 * 24 * 3600
    # The org whose admins change runtime settings (default: the oldest org).
    operator_org: str = ""
    rate_limit: str = "1200/minute"
    auth_rate_limit: str = "30/minute"
    cors_origins: tuple[str, ...] = ()
    max_content_length: int = 10 * 1024 * 1024
    web_workers: int = 2
    worker_concurrency: int = 2
    task_max_deliveries: int = 3
    requeue_after: int = 600
    # Group commit of submits (app/platform/submit_batch.py): at most this many rows per
    # INSERT and publish, and how long a write waits for submits already on their way.
    submit_batch_rows: int = 100
    submit_batch_window_us: int = 2000
    # Seconds between janitor runs (lost messages re-sent, expired rows pruned); how often a
    # standby beat asks for the lock, and how long the lock outlives a holder that died.
    # Defaults suit production; the e2e tests set 1-2 s so a takeover is seen at once.
    janitor_interval: int = 60
    beat_standby_interval: int = 5
    beat_lock_ttl: int = 30
    event_stream_maxlen: int = 1000
    event_ttl: int = 24 * 3600
    mail_from: str = "kairos@localhost"
    # Mail goes out over SMTP when smtp_host (or the secret KAIROS_SMTP_URL,
    # smtp[s]://user:pass@host:port?starttls=true) is set; otherwise into var/mail as files.
    smtp_host: str = ""
    smtp_port: int = 0  # 0: 465 for implicit TLS, else 587 with STARTTLS, 25 without
    smtp_security: str = "starttls"  # starttls | tls (implicit) | none
    smtp_user: str = ""
    smtp_timeout: int = 30
    # Where uploads and snapshots wait between processes: the database unless an
    # s3://bucket/prefix URL names an S3-compatible store (blob_endpoint_url for a non-AWS one).
    blob_url: str = ""
    blob_endpoint_url: str = ""
    blob_region: str = "us-east-1"
    blob_access_key_id: str = ""
    exports_dir: str = ""
    saved_search_interval: int = 3600
    # Defaults a workload applies when a request does not say (changeable at run time).
    monitoring_default_interval: int = 60
    dining_feed_limit: int = 20
    public_url: str = "http://127.0.0.1:3001"
    # Monitoring: probes may reach private/loopback addresses only when allowed (SSRF guard);
    # registries (host[:port]) spoken to over plain HTTP; how long history is kept.
    probe_allow_private: bool = False
    probe_insecure_registries: tuple[str, ...] = ()
    monitoring_check_retention_days: int = 2
    monitoring_minute_rollup_retention_hours: int = 168
    monitoring_hour_rollup_retention_days: int = 90
    monitoring_day_rollup_retention_days: int = 400
    # Scheduled probes: resources per batch message; per-resource metric series (0 = none).
    probe_batch_size: int = 200
    monitoring_metrics_resources: int = 200
    llm_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_embedding_model: str = "text-embedding-3-small"
    # Recruiting intake: an uploaded job req or resume may be at most this many bytes.
    recruiting_upload_max_bytes: int = 5 * 1024 * 1024
    # Recruiting matching: orgs whose index one worker process keeps in memory (LRU), and
    # days the index journal is kept (a worker whose cache is older rebuilds).
    recruiting_index_max_orgs: int = 16
    recruiting_journal_days: int = 7
    # Dining catalog import: bytes a worker reads from one upload, zips inflated (bomb cap).
    dining_import_max_bytes: int = 50 * 1024 * 1024
    log_level: str = "INFO"
    # Secrets: environment only.
    secret_key: str = field(default="", repr=False)
    flower_basic_auth: str = field(default="", repr=False)
    llm_api_key: str = field(default="", repr=False)
    blob_secret_access_key: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    smtp_url: str = field(default="", repr=False)

    @property
    def var_path(self) -> Path:
        return Path(self.var_dir).resolve()

    @property
    def exports_path(self) -> Path:
        return Path(self.exports_dir).resolve() if self.exports_dir else self.var_path / "exports"

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.bind.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def bind_is_loopback(self) -> bool:
        host = self.host_port[0]
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "test")


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_CHOICES = {
    "env": ("development", "test", "production"),
    "auth": ("none", "api_key", "jwt"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
    "smtp_security": ("starttls", "tls", "none"),
}


def coerce(key: str, raw: object, default: object) -> object:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(key, f"expected true or false, got {raw!r}")
    if isinstance(default, int):
        if isinstance(raw, bool | float):  # TOML `2.7` or `true` is a mistake, not an int
            raise ConfigError(key, f"expected an integer, got {raw!r}")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(key, f"expected an integer, got {raw!r}") from None
        if value < 0:
            raise ConfigError(key, f"must not be negative, got {value}")
        return value
    if isinstance(default, tuple):
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return tuple(str(i).strip() for i in items if str(i).strip())
    if not isinstance(raw, str):
        raise ConfigError(key, f"expected a string, got {raw!r}")
    return raw.strip()


def _check_bind(key: str, value: str) -> None:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(key, f"expected host:port, got {value!r}")


def _check_rate(key: str, value: str) -> None:
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError
    except ValueError:
        raise ConfigError(key, f'expected a rate such as "1200/minute", got {value!r}') from None


def validate(values: dict) -> None:
    for key, choices in _CHOICES.items():
        if values[key] not in choices:
            raise ConfigError(key, f"must be one of {', '.join(choices)}, got {values[key]!r}")
    _check_bind("bind", values["bind"])
    _check_bind("flower_bind", values["flower_bind"])
    for key in ("rate_limit", "auth_rate_limit"):
        _check_rate(key, values[key])
    if values["monitoring_default_interval"] < 10:
        raise ConfigError("monitoring_default_interval", "must be at least 10 (seconds)")
    if values["beat_lock_ttl"] < 3:  # renewed every third of it
        raise ConfigError("beat_lock_ttl", "must be at least 3 (seconds)")
    if not 1 <= values["dining_feed_limit"] <= 50:
        raise ConfigError("dining_feed_limit", "must be between 1 and 50")
    brokers = ("redis://", "rediss://", "unix://", "amqp://", "amqps://", "pyamqp://")
    if values["broker_url"] and not values["broker_url"].startswith(brokers):
        raise ConfigError("broker_url", "expected a redis:// or amqp:// URL")
    if values["blob_url"] and not values["blob_url"].startswith("s3://"):
        raise ConfigError("blob_url", "expected s3://bucket/prefix (empty: the database)")
    if values["smtp_url"]:
        try:
            parse_smtp_url(values["smtp_url"])
        except ValueError as exc:
            raise ConfigError("smtp_url", str(exc)) from None
    if values["llm_base_url"] and not values["llm_base_url"].startswith(("http://", "https://")):
        raise ConfigError("llm_base_url", "expected an http:// or https:// URL")
    for key in (
        "web_workers",
        "worker_concurrency",
        "task_max_deliveries",
        "saved_search_interval",
        "monitoring_check_retention_days",
        "monitoring_minute_rollup_retention_hours",
        "monitoring_hour_rollup_retention_days",
        "monitoring_day_rollup_retention_days",
        "probe_batch_size",
        "recruiting_index_max_orgs",
        "recruiting_journal_days",
        "janitor_interval",
        "beat_standby_interval",
    ):
        if values[key] < 1:
            raise ConfigError(key, "must be at least 1")
    from app.origins import origin_problem

    for origin in values["cors_origins"]:
        problem = origin_problem(origin)
        if problem:
            raise ConfigError("cors_origins", f"{origin!r}: {problem}")
    if values["auth"] == "none" and not Settings(bind=values["bind"]).bind_is_loopback:
        raise ConfigError(
            "auth",
            f'"none" (no authentication: every request acts as the local owner) is allowed only '
            f"on a loopback bind such as 127.0.0.1:3001, not {values['bind']!r}; set "
            f'auth = "api_key" or "jwt" to listen there',
        )
    if values["api_key"] and len(values["api_key"]) < 16:
        raise ConfigError("api_key", "must be at least 16 characters")
    auth = values["flower_basic_auth"]
    if auth and ":" not in auth:
        raise ConfigError("flower_basic_auth", "expected user:password")


# --- SMTP: the one parser of KAIROS_SMTP_URL (app.mail sends; settings check it at start) ---

SMTP_DEFAULT_PORT = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    def describe(self) -> str:  # for logs: never the password
        return f"smtp {self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp[s]://[user[:password]@]host[:port][?starttls=true|false]``. ``smtps`` is
    implicit TLS (port 465); ``smtp`` uses STARTTLS unless ``starttls=false`` (port 587, or
    25 without STARTTLS). Raises ValueError naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("expected smtp://… or smtps://…")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    query = parse_qs(parts.query)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"unknown parameter {sorted(unknown)[0]!r} (only starttls)")
    if parts.scheme == "smtps":
        security = "tls"
    else:
        starttls = query.get("starttls", ["true"])[-1].lower()
        security = "starttls" if starttls in ("1", "true", "yes", "on") else "none"
    try:
        port = parts.port or SMTP_DEFAULT_PORT[security]
    except ValueError:
        raise ValueError("the port is not a number between 1 and 65535") from None
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def dev_secret(var_path: Path, name: str, make) -> str:
    """A development secret generated once and kept in var/ (never a constant in the code)."""
    path = var_path / name
    if path.exists():
        return path.read_text().strip()
    var_path.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def load_settings(environ: dict | None = None, toml_path: str | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values = {name: f.default for name, f in FIELDS.items()}

    path = Path(toml_path or environ.get("KAIROS_CONFIG", "kairos.toml"))
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML ({exc})") from None
        api_table = data.pop("api", None)
        if api_table is not None:
            if not isinstance(api_table, dict):
                raise ConfigError("api", f"expected a table in {path}")
            for key, raw in api_table.items():
                if key not in API_TABLE:
                    raise ConfigError(f"api.{key}", f"unknown setting in {path}")
                data.setdefault(key, raw)
        for key, raw in data.items():
            if key not in FIELDS:
                raise ConfigError(key, f"unknown setting in {path}")
            if key in SECRET_KEYS and key not in FILE_SECRETS:
                env_name = ENV_PREFIX + key.upper()
                raise ConfigError(key, f"secrets come from the environment ({env_name}) only")
            values[key] = coerce(key, raw, FIELDS[key].default)

    for key, f in FIELDS.items():
        raw = environ.get(ENV_PREFIX + key.upper())
        if raw is not None:
            values[key] = coerce(key, raw, f.default)

    validate(values)
    var_path = Path(values["var_dir"]).resolve()
    if not values["database_url"]:
        values["database_url"] = f"sqlite:///{var_path / 'kairos.db'}"
    if not values["secret_key"]:
        if values["env"] == "production":
            raise ConfigError("secret_key", "set KAIROS_SECRET_KEY in production")
        values["secret_key"] = dev_secret(var_path, "secret_key", lambda: secrets.token_hex(32))
    if len(values["secret_key"]) < 32:
        raise ConfigError("secret_key", "must be at least 32 characters")
    return Settings(**values)


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def configure(settings: Settings | None) -> None:
    """Replace the process-wide settings (tests, and the CLI after resolving Redis)."""
    global _settings
    _settings = settings
